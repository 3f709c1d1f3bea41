import Button from '@cloudscape-design/components/button';
import Form from '@cloudscape-design/components/form';
import Header from '@cloudscape-design/components/header';
import SpaceBetween from '@cloudscape-design/components/space-between';
import { useCallback, useEffect, useRef, useState, type ReactNode } from 'react';
import type { ActionResult } from './action';
import { formAlert, type FieldErrors } from './form-errors';
import { InfoLink } from '../help/InfoLink';

export type { FieldErrors };

/**
 * The state of a create/edit form: field errors, a form-level error and busy. `save` shows the
 * draft's own field errors, or sends it and shows what the engine refused; it resolves with the
 * saved value, or null when nothing was saved.
 */
export function useSaveForm() {
  const [errors, setErrors] = useState<FieldErrors>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  /** Bumped each time a save shows field errors: the form then focuses the first one. */
  const [refused, setRefused] = useState(0);

  /**
   * After each change of the draft: a field error goes as soon as its value is valid (an error
   * the engine gave, which the page can not check, goes with the next change). No new errors
   * appear until the next save.
   */
  const recheck = useCallback((local: FieldErrors | null) => {
    setErrors((current) => {
      const keys = Object.keys(current);
      const kept = keys.filter((k) => local?.[k]);
      if (kept.length === keys.length && kept.every((k) => local![k] === current[k]))
        return current;
      return Object.fromEntries(kept.map((k) => [k, local![k]!]));
    });
  }, []);

  const save = async <T,>(
    local: FieldErrors | null,
    send: () => Promise<ActionResult<T>>,
  ): Promise<T | null> => {
    setFormError(null);
    if (local && Object.keys(local).length > 0) {
      setErrors(local);
      setRefused((n) => n + 1);
      return null;
    }
    setErrors({});
    setBusy(true);
    const result = await send();
    setBusy(false);
    if (result.ok) return result.value;
    setErrors(result.fields);
    if (Object.keys(result.fields).length === 0) setFormError(result.message);
    else setRefused((n) => n + 1);
    return null;
  };

  return { errors, formError, busy, refused, save, recheck };
}

interface SaveFormProps {
  title: string;
  description?: string;
  /** From useSaveForm. */
  state: { errors: FieldErrors; formError: string | null; busy: boolean; refused: number };
  /**
   * The fields the form shows now, by dotted path: a refusal about any other field is said in
   * the form's alert, so no save is refused without a reason on screen.
   */
  fields: readonly string[];
  submitLabel: string;
  /** Test ids: `<testId>-form` on the form, `save-<testId>` on its submit button. */
  testId: string;
  onSubmit(): void;
  onCancel(): void;
  children: ReactNode;
}

/** A page-level create/edit form: title, fields, Cancel and the primary save button. */
export function SaveForm({
  title,
  description,
  state,
  fields,
  submitLabel,
  testId,
  onSubmit,
  onCancel,
  children,
}: SaveFormProps) {
  const formRef = useRef<HTMLFormElement>(null);
  // A refused save puts the cursor in the first field marked in red.
  useEffect(() => {
    if (state.refused === 0) return;
    const frame = requestAnimationFrame(() =>
      formRef.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus(),
    );
    return () => cancelAnimationFrame(frame);
  }, [state.refused]);
  return (
    <form
      ref={formRef}
      // Ferry's own checks say what is wrong, on the field: never the browser's bubble.
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        onSubmit();
      }}
      data-testid={`${testId}-form`}
    >
      <Form
        header={
          <Header variant="h1" info={<InfoLink />} description={description}>
            {title}
          </Header>
        }
        errorText={formAlert(state.formError, state.errors, fields)}
        actions={
          <SpaceBetween direction="horizontal" size="xs">
            <Button formAction="none" variant="link" onClick={onCancel}>
              Cancel
            </Button>
            <Button variant="primary" loading={state.busy} data-testid={`save-${testId}`}>
              {submitLabel}
            </Button>
          </SpaceBetween>
        }
      >
        {children}
      </Form>
    </form>
  );
}
