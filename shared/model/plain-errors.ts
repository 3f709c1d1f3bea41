/**
 * Zod's own messages ("Too small: expected number to be >0", "Invalid input: expected int,
 * received number") in words a data admin reads, once for every schema: the console, the CLI and
 * the engine all load it with the field rules (fields.ts). A rule that says its own message keeps
 * it; this covers the ones that do not.
 */
import { z } from 'zod';
import type { $ZodErrorMap } from 'zod/v4/core';

type Issue = Parameters<$ZodErrorMap>[0];

const noun = (origin: unknown) =>
  origin === 'array' || origin === 'set' ? 'items' : origin === 'string' ? 'characters' : '';

/** One issue as a sentence, or undefined to keep zod's. */
export function plainMessage(issue: Issue): string | undefined {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined || issue.input === null) return 'This is required';
      if (issue.expected === 'int') return 'Enter a whole number, e.g. 5';
      if (issue.expected === 'number') return 'Enter a number';
      if (issue.expected === 'boolean') return 'Choose yes or no';
      if (issue.expected === 'string') return 'Enter text';
      if (issue.expected === 'array') return 'Choose one or more';
      return undefined;
    case 'too_small': {
      const min = Number(issue.minimum);
      if (issue.origin === 'string' && min <= 1) return 'This is required';
      if (issue.origin === 'array' && min <= 1) return 'Choose at least one';
      const unit = noun(issue.origin);
      if (!issue.inclusive && min === 0) return 'Must be more than 0';
      return `Must be at least ${min.toLocaleString('en-US')}${unit ? ` ${unit}` : ''}`;
    }
    case 'too_big': {
      const max = Number(issue.maximum);
      const unit = noun(issue.origin);
      const length =
        typeof issue.input === 'string' || Array.isArray(issue.input)
          ? ` (this is ${issue.input.length.toLocaleString('en-US')})`
          : '';
      return `Must be at most ${max.toLocaleString('en-US')}${unit ? ` ${unit}` : ''}${length}`;
    }
    case 'invalid_value':
      return `Must be one of: ${issue.values.map(String).join(', ')}`;
    case 'invalid_format':
      if (issue.format === 'url') return 'Enter a URL such as https://example.com';
      if (issue.format === 'email') return 'Enter an email address such as you@example.com';
      return undefined;
    case 'unrecognized_keys':
      return `Not a setting Ferry knows: ${issue.keys.join(', ')}`;
    default:
      return undefined;
  }
}

z.config({ customError: plainMessage });
