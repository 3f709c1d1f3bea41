import type { Organization } from '../../shared/model/entities';

/** An organization record as the config keeps it, with fixed times. */
export const organization = (id: number, name: string): Organization => ({
  id,
  name,
  adminEmail: null,
  createdAt: '2026-12-03T00:00:00.000Z',
  updatedAt: '2026-12-03T00:00:00.000Z',
});
