/** A stored secret that exists but may not be used where it is asked for. */
export class SecretUnusable extends Error {
  constructor(
    message: string,
    readonly fix: string,
  ) {
    super(message);
    this.name = 'SecretUnusable';
  }
}
