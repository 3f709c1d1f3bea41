import type { Dataset } from '../../../shared/model/fields';

export const datasetLabel = (d: Dataset): string =>
  d === 'events' ? 'Events' : 'Merged Amplitude IDs';
