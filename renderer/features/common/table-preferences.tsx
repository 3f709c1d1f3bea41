import CollectionPreferences, {
  type CollectionPreferencesProps,
} from '@cloudscape-design/components/collection-preferences';
import type { TableProps } from '@cloudscape-design/components/table';
import { useCallback, useEffect, useState } from 'react';
import { readSavedObject, writeSaved } from './saved';

/** What an admin chose for one table: remembered per table on this computer. */
export interface TablePrefs {
  pageSize: number;
  wrapLines: boolean;
  /** Column ids in order, each shown or hidden. */
  contentDisplay: { id: string; visible: boolean }[];
  /** The first column stays in view when the table scrolls sideways. */
  stickyFirst: boolean;
}

const PAGE_SIZES = [10, 25, 50, 100] as const;

/** The page size saved for a table (for a first request made before the table renders). */
export function savedPageSize(key: string, fallback = 25): number {
  const size = readSavedObject<TablePrefs>(`table.${key}`).pageSize;
  return PAGE_SIZES.includes(size as 10) ? size! : fallback;
}

/** Read saved preferences, keeping only columns the table still has (and adding new ones). */
export function loadPrefs(
  key: string,
  columns: readonly string[],
  defaults: TablePrefs,
): TablePrefs {
  const saved = readSavedObject<TablePrefs>(`table.${key}`);
  const known = (saved.contentDisplay ?? []).filter((c) => columns.includes(c.id));
  const missing = defaults.contentDisplay.filter((c) => !known.some((k) => k.id === c.id));
  return {
    pageSize: PAGE_SIZES.includes(saved.pageSize as 10) ? saved.pageSize! : defaults.pageSize,
    wrapLines: typeof saved.wrapLines === 'boolean' ? saved.wrapLines : defaults.wrapLines,
    stickyFirst: typeof saved.stickyFirst === 'boolean' ? saved.stickyFirst : defaults.stickyFirst,
    contentDisplay: [...known, ...missing],
  };
}

/** One column as the preferences know it. */
export interface PrefColumn {
  id: string;
  label: string;
  alwaysVisible?: boolean;
  /**
   * Below this width (px) of the table's box the column steps aside, so the others fit without
   * sideways scrolling (a laptop at 1024 px with the help panel open); its content stays one click
   * away on the row's page or details.
   */
  hideBelow?: number;
}

/** The width of an element's box, kept up to date; attach `ref` to the element. */
export function useBoxWidth(): {
  width: number | null;
  ref: (element: HTMLElement | null) => void;
} {
  const [element, setElement] = useState<HTMLElement | null>(null);
  const [width, setWidth] = useState<number | null>(null);
  useEffect(() => {
    if (!element) return;
    const observer = new ResizeObserver(([entry]) => setWidth(entry!.contentRect.width));
    observer.observe(element);
    return () => observer.disconnect();
  }, [element]);
  return { width, ref: useCallback((e: HTMLElement | null) => setElement(e), []) };
}

/** Which columns show: the admin's choice, less those too wide for the box (`hideBelow`). */
export function fittedColumns(
  chosen: readonly { id: string; visible: boolean }[],
  columns: readonly PrefColumn[],
  width: number | null,
): { id: string; visible: boolean }[] {
  return chosen.map((c) => {
    const limit = columns.find((col) => col.id === c.id)?.hideBelow;
    return { id: c.id, visible: c.visible && !(limit && width !== null && width < limit) };
  });
}

/**
 * A table's preferences and the props they give the Table and its preferences control; `fitRef`
 * goes on an element around the table, whose width decides which columns fit.
 */
export function useTablePrefs(
  key: string,
  columns: PrefColumn[],
  defaults: Partial<Omit<TablePrefs, 'contentDisplay'>> & { hidden?: string[] } = {},
  onChange?: (next: TablePrefs) => void,
) {
  const base: TablePrefs = {
    pageSize: defaults.pageSize ?? 25,
    wrapLines: defaults.wrapLines ?? true,
    stickyFirst: defaults.stickyFirst ?? true,
    contentDisplay: columns.map((c) => ({ id: c.id, visible: !defaults.hidden?.includes(c.id) })),
  };
  const ids = columns.map((c) => c.id);
  const [prefs, setPrefs] = useState(() => loadPrefs(key, ids, base));
  const save = (next: TablePrefs) => {
    setPrefs(next);
    writeSaved(`table.${key}`, next);
    onChange?.(next);
  };
  const box = useBoxWidth();
  const tableProps: Pick<
    TableProps,
    'wrapLines' | 'columnDisplay' | 'stickyColumns' | 'resizableColumns'
  > = {
    wrapLines: prefs.wrapLines,
    columnDisplay: fittedColumns(prefs.contentDisplay, columns, box.width),
    stickyColumns: { first: prefs.stickyFirst ? 1 : 0 },
    resizableColumns: false,
  };
  const preferences = (
    <CollectionPreferences
      title="Preferences"
      confirmLabel="Confirm"
      cancelLabel="Cancel"
      preferences={{
        pageSize: prefs.pageSize,
        wrapLines: prefs.wrapLines,
        contentDisplay: prefs.contentDisplay,
        stickyColumns: { first: prefs.stickyFirst ? 1 : 0 },
      }}
      pageSizePreference={{
        title: 'Rows per page',
        options: PAGE_SIZES.map((value) => ({ value, label: `${value} rows` })),
      }}
      wrapLinesPreference={{
        label: 'Wrap lines',
        description: 'Show whole cell text on several lines.',
      }}
      stickyColumnsPreference={{
        firstColumns: {
          title: 'Keep the first column in view',
          description: 'While the table scrolls sideways.',
          options: [
            { label: 'None', value: 0 },
            { label: 'First column', value: 1 },
          ],
        },
      }}
      contentDisplayPreference={{
        title: 'Columns',
        options: columns.map((c) => ({ id: c.id, label: c.label, alwaysVisible: c.alwaysVisible })),
      }}
      onConfirm={(e: { detail: CollectionPreferencesProps.Preferences }) =>
        save({
          pageSize: e.detail.pageSize ?? prefs.pageSize,
          wrapLines: e.detail.wrapLines ?? prefs.wrapLines,
          stickyFirst: (e.detail.stickyColumns?.first ?? 0) > 0,
          contentDisplay: [...(e.detail.contentDisplay ?? prefs.contentDisplay)],
        })
      }
    />
  );
  return { prefs, tableProps, preferences, fitRef: box.ref };
}
