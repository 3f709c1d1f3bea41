import { hourText } from '../../../shared/model/hours';
import type { Dataset } from '../../../shared/model/fields';
import { plural } from '../../../shared/format';

/** What a new export of one dataset of an hour read and would write. */
export interface NewAnswer {
  hour: string;
  dataset: Dataset;
  /** Records the new export would write (events after filter and de-duplication, or merges). */
  count: number;
  /** Readable lines the source gave for the hour (before filter and de-duplication). */
  read: number;
  /** Lines of the answer that could not be read (not JSON, not an object, no hour). */
  badLines: number;
  /** Readable records of other hours in the answer, left to their own hours. */
  otherHours: number;
  /** The first bad lines, as "file:line: reason". */
  badSamples: readonly string[];
}

/** What an earlier export of the hour left at the destination. */
export interface EarlierExport {
  /** Its objects, as the destination lists them (for messages: `describe`d). */
  files: readonly string[];
  /**
   * How many records they hold by Ferry's history — read only when the rule needs it — or null
   * when the history does not describe exactly these objects (another writer, a lost history).
   */
  count(): Promise<number | null>;
}

export interface Refusal {
  code: 'unreadable-answer' | 'other-hours-answer' | 'empty-answer' | 'shrink-unproven';
  message: string;
  fix: string;
}

const MAX_LISTED = 3;

/**
 * Whether a new export may replace what an earlier export of the hour left, or why not.
 *
 * An exported hour never becomes smaller without the source's explicit, well-formed word:
 * - an answer whose every line is unreadable proves nothing, not even that the hour is empty
 *   (refused even for an hour never exported: it would be marked done with no data);
 * - an answer holding records of other hours only is not this hour's (a proxy's or cache's
 *   answer for another hour, a source file changed behind its index): refused even for an hour
 *   never exported, which it would mark done as empty;
 * - an empty answer never empties an exported hour (data does not vanish from a source; the
 *   answer is far likelier wrong than the files);
 * - an answer with bad lines replaces an export only when it holds at least as many records as
 *   the history says that export holds; fewer (or an unknown number) is refused.
 * A well-formed answer (every line read) is the source's word and may replace anything it has
 * something for: fewer events then mean a new filter or data removed upstream on purpose.
 */
export async function replaceRefusal(
  answer: NewAnswer,
  earlier: EarlierExport,
): Promise<Refusal | null> {
  const { hour, dataset } = answer;
  if (answer.read === 0 && answer.badLines > 0)
    return {
      code: 'unreadable-answer',
      message: `The source's answer for ${hourText(hour)} (${dataset}) has no readable line: ${badLines(answer)}.${kept(earlier)}`,
      fix: "Check the project's source: a damaged file, or an upstream that answers something other than Amplitude's export format. Export the hour again once it is fixed.",
    };
  if (answer.read === 0 && answer.otherHours > 0)
    return {
      code: 'other-hours-answer',
      message: `The source's answer for ${hourText(hour)} (${dataset}) holds ${plural(answer.otherHours, 'record')}, none of that hour: each belongs to another hour.${kept(earlier)}`,
      fix: "An answer for other hours is not this hour's data: a proxy or cache between Ferry and Amplitude answering for another hour, or a source file changed without its size or time changing. Check the project's Amplitude endpoint and any proxy (or the source folder), then export the hour again.",
    };
  if (earlier.files.length === 0) return null;
  if (answer.read === 0)
    return {
      code: 'empty-answer',
      message: `The source has nothing for ${hourText(hour)} (${dataset}), but an earlier export of this hour wrote ${listed(earlier.files)}. Ferry does not empty an exported hour on an empty answer, so ${earlier.files.length === 1 ? 'it stays as it is' : 'they stay as they are'}.`,
      fix: "Check the project's source (its folder, its Amplitude endpoint and keys). If the hour's data was really removed on purpose, delete those files yourself, then export the hour again.",
    };
  if (answer.badLines === 0) return null;
  const before = await earlier.count();
  if (before !== null && answer.count >= before) return null;
  return {
    code: 'shrink-unproven',
    message: `The source's answer for ${hourText(hour)} (${dataset}) has ${badLines(answer)}, and would replace ${before === null ? `files Ferry's history does not account for (${listed(earlier.files)})` : `an export of ${before.toLocaleString('en-US')} with ${answer.count.toLocaleString('en-US')}`}. Ferry does not make an exported hour smaller on an answer it could not read whole, so the files stay as they are.`,
    fix: "Check the project's source for the damaged lines (file and line are named above) and export the hour again once they are fixed. If the hour really holds fewer events now, delete its files yourself, then export it again.",
  };
}

function badLines(answer: NewAnswer): string {
  const shown = answer.badSamples.slice(0, MAX_LISTED).join('; ');
  const more = answer.badLines > MAX_LISTED ? '; …' : '';
  return `${plural(answer.badLines, 'bad line')}${shown ? ` (${shown}${more})` : ''}`;
}

function listed(files: readonly string[]): string {
  const shown = files.slice(0, MAX_LISTED).join(', ');
  const more = files.length > MAX_LISTED ? ` and ${files.length - MAX_LISTED} more` : '';
  return `${plural(files.length, 'file')}: ${shown}${more}`;
}

function kept(earlier: EarlierExport): string {
  const n = earlier.files.length;
  if (n === 0) return ' Nothing was written, and the hour is not marked exported.';
  return n === 1
    ? ' The file an earlier export of this hour wrote stays as it is.'
    : ` The ${n.toLocaleString('en-US')} files an earlier export of this hour wrote stay as they are.`;
}
