import type { Dataset } from '../../../shared/model/fields';
import { DATASET_WORDS } from '../../../shared/model/words';

export const datasetLabel = (d: Dataset): string => DATASET_WORDS[d];
