export declare function publishArgs(
  env: Record<string, string | undefined>,
): { args: string[]; note: string } | { error: string };
