import { randomBytes } from 'node:crypto';
import type { MethodParsed } from '../../../shared/api/contract';
import { FerryError } from '../../../shared/api/errors';
import type { PushEvent } from '../../../shared/api/events';
import {
  connectionIdFrom,
  type Connection,
  type Organization,
  type Project,
} from '../../../shared/model/entities';
import type { ConfigData } from '../store/schema';
import { projectSecretOrigin } from '../secret-binding';
import { amplitudeSecretName } from '../store/secrets';
import type { Clock } from '../time/clock';
import type { ConfigPort, SecretsPort } from '../store/ports';

/**
 * Organizations, projects and connections, with the rules that span more than one of them.
 *
 * Field rules (formats) are already enforced by the contract's zod schemas before a call gets
 * here; this class enforces what needs the stored state: ids that must be unique or must exist,
 * portfolio projects refused as sources, a bucket bound to one organization only, and deletes
 * that would orphan something.
 */
import {
  checkConnection,
  checkFolderOutsideDataDir,
  checkS3Destination,
  checkSourcesApartFromExports,
  checkSourceFolder,
  requireSecretFor,
  withFolderDestination,
} from './checks';
import { plural } from '../../../shared/format';
export class Catalog {
  constructor(
    private readonly config: ConfigPort,
    private readonly clock: Clock,
    private readonly emit: (event: PushEvent) => void,
    private readonly secrets: SecretsPort,
    /** This host's data folder: no folder destination goes in it or its own sub-folders. */
    private readonly dataDir: string | null = null,
  ) {}

  // -- organizations ---------------------------------------------------------------------------

  listOrgs(): Organization[] {
    return [...this.config.data.organizations].sort((a, b) => a.name.localeCompare(b.name));
  }

  getOrg(id: number): Organization {
    return findOrg(this.config.data, id);
  }

  async createOrg(input: MethodParsed<'orgs.create'>): Promise<Organization> {
    const org = await this.config.update((data) => {
      const existing = data.organizations.find((o) => o.id === input.id);
      if (existing)
        throw new FerryError(
          'conflict',
          `Organization ID ${input.id} is already used by "${existing.name}"`,
          'id',
        );
      const now = this.clock.now().toISOString();
      const created: Organization = { ...input, createdAt: now, updatedAt: now };
      data.organizations.push(created);
      return created;
    });
    this.emit({ type: 'entity.changed', entity: 'organization', id: org.id, change: 'created' });
    return org;
  }

  async updateOrg(input: MethodParsed<'orgs.update'>): Promise<Organization> {
    const org = await this.config.update((data) => {
      const target = findOrg(data, input.id);
      if (input.name !== undefined) target.name = input.name;
      if (input.adminEmail !== undefined) target.adminEmail = input.adminEmail;
      target.updatedAt = this.clock.now().toISOString();
      return target;
    });
    this.emit({ type: 'entity.changed', entity: 'organization', id: org.id, change: 'updated' });
    return org;
  }

  async deleteOrg(id: number): Promise<{ deleted: true }> {
    await this.config.update((data) => {
      const org = findOrg(data, id);
      const projects = data.projects.filter((p) => p.orgId === id);
      if (projects.length > 0)
        throw new FerryError(
          'conflict',
          `Organization "${org.name}" still has ${plural(projects.length, 'project')} (${names(projects)}). Delete ${projects.length === 1 ? 'it' : 'them'} first.`,
        );
      data.organizations = data.organizations.filter((o) => o.id !== id);
    });
    this.emit({ type: 'entity.changed', entity: 'organization', id, change: 'deleted' });
    return { deleted: true };
  }

  // -- projects --------------------------------------------------------------------------------

  listProjects(orgId?: number): Project[] {
    return this.config.data.projects
      .filter((p) => orgId === undefined || p.orgId === orgId)
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  getProject(id: number): Project {
    return findProject(this.config.data, id);
  }

  /**
   * A secret is written (fsynced) before config.json says it is stored, so a crash in between
   * leaves an unused secret, never a project that claims one it does not have. Every rule is
   * checked on a copy first, so a refused change touches neither file.
   */
  async createProject(input: MethodParsed<'projects.create'>): Promise<Project> {
    const { secretKey, ...fields } = input;
    requireSecretFor(fields.source, secretKey, false);
    await checkSourceFolder(fields.source);
    const create = (data: ConfigData): Project => {
      if (!data.organizations.some((o) => o.id === input.orgId))
        throw new FerryError(
          'validation',
          `There is no organization with ID ${input.orgId}. Create it first.`,
          'orgId',
        );
      const existing = data.projects.find((p) => p.id === input.id);
      if (existing)
        throw new FerryError(
          'conflict',
          `Project ID ${input.id} is already used by "${existing.name}"`,
          'id',
        );
      const now = this.clock.now().toISOString();
      const created: Project = {
        ...fields,
        secretKeyStored: secretKey !== undefined && fields.source.type === 'amplitude',
        createdAt: now,
        updatedAt: now,
      };
      checkSourcesApartFromExports(data, { project: created });
      data.projects.push(created);
      return created;
    };
    create(structuredClone(this.config.data) as ConfigData);
    const name = amplitudeSecretName(input.id);
    const origin = projectSecretOrigin(fields);
    if (secretKey !== undefined && origin) await this.secrets.set(name, secretKey, origin);
    const project = await this.config.update(create).catch(async (error: unknown) => {
      if (secretKey !== undefined) await this.secrets.delete(name);
      throw error;
    });
    this.emit({ type: 'entity.changed', entity: 'project', id: project.id, change: 'created' });
    return project;
  }

  async updateProject(input: MethodParsed<'projects.update'>): Promise<Project> {
    if (input.source) await checkSourceFolder(input.source);
    const name = amplitudeSecretName(input.id);
    const storedFor = await this.secrets.originOf(name);
    const update = (data: ConfigData): Project => {
      const target = findProject(data, input.id);
      const before = projectSecretOrigin(target);
      if (input.source)
        requireSecretFor(
          input.source,
          input.secretKey,
          target.secretKeyStored && target.source.type === 'amplitude',
        );
      if (input.kind === 'portfolio' && target.kind !== 'portfolio') {
        const used = data.connections.filter((c) => c.projectId === target.id);
        if (used.length > 0)
          throw new FerryError(
            'conflict',
            `Project "${target.name}" is the source of ${plural(used.length, 'connection')} (${names(used)}); portfolio projects can not be export sources. Delete those connections first.`,
            'kind',
          );
      }
      if (input.name !== undefined) target.name = input.name;
      if (input.kind !== undefined) target.kind = input.kind;
      if (input.source !== undefined) target.source = input.source;
      const after = projectSecretOrigin(target);
      const boundTo = storedFor ?? before;
      if (target.secretKeyStored && input.secretKey === undefined && after && after !== boundTo)
        throw new FerryError(
          'validation',
          `The Amplitude address changes from ${boundTo} to ${after}: enter the secret key again. Ferry sends a stored secret key only to the address it was given for.`,
          'secretKey',
        );
      if (input.secretKey !== undefined) target.secretKeyStored = true;
      if (target.source.type !== 'amplitude') target.secretKeyStored = false;
      if (input.source) checkSourcesApartFromExports(data, { project: target });
      target.updatedAt = this.clock.now().toISOString();
      return target;
    };
    const planned = update(structuredClone(this.config.data) as ConfigData);
    const origin = projectSecretOrigin(planned);
    if (input.secretKey !== undefined && origin)
      await this.secrets.set(name, input.secretKey, origin);
    const project = await this.config.update(update);
    if (!project.secretKeyStored) await this.secrets.delete(name);
    this.emit({ type: 'entity.changed', entity: 'project', id: project.id, change: 'updated' });
    return project;
  }

  /**
   * Make every project's `secretKeyStored` true only where its secret can be read for its
   * address; returns the projects that lost theirs (a damaged or deleted secrets file).
   */
  async checkSecrets(readOnly = false): Promise<Project[]> {
    const missing: Project[] = [];
    for (const project of this.config.data.projects) {
      const origin = projectSecretOrigin(project);
      if (!project.secretKeyStored || !origin) continue;
      if (!(await this.secrets.has(amplitudeSecretName(project.id), origin))) missing.push(project);
    }
    if (missing.length === 0 || readOnly) return missing;
    const ids = new Set(missing.map((p) => p.id));
    await this.config.update((data) => {
      for (const project of data.projects) if (ids.has(project.id)) project.secretKeyStored = false;
    });
    for (const project of missing)
      this.emit({ type: 'entity.changed', entity: 'project', id: project.id, change: 'updated' });
    return missing;
  }

  async deleteProject(id: number): Promise<{ deleted: true }> {
    await this.config.update((data) => {
      const project = findProject(data, id);
      const used = data.connections.filter((c) => c.projectId === id);
      if (used.length > 0)
        throw new FerryError(
          'conflict',
          `Project "${project.name}" still has ${plural(used.length, 'connection')} (${names(used)}). Delete ${used.length === 1 ? 'it' : 'them'} first.`,
        );
      data.projects = data.projects.filter((p) => p.id !== id);
    });
    await this.secrets.delete(amplitudeSecretName(id));
    this.emit({ type: 'entity.changed', entity: 'project', id, change: 'deleted' });
    return { deleted: true };
  }

  // -- connections -----------------------------------------------------------------------------

  listConnections(projectId?: number): Connection[] {
    return this.config.data.connections
      .filter((c) => projectId === undefined || c.projectId === projectId)
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  /**
   * The id of a connection whose history is asked for, by its id or name: a live one, or one a
   * migration archived (its jobs stay in the history). Unknown: an error, never an empty list.
   */
  historyConnectionId(idOrName: string): string {
    const key = idOrName.trim();
    const data = this.config.data;
    const found =
      [...data.connections, ...data.archived].find((c) => c.id === key) ??
      data.connections.find((c) => c.name.toLowerCase() === key.toLowerCase()) ??
      data.archived.find((c) => c.name.toLowerCase() === key.toLowerCase());
    if (!found)
      throw new FerryError(
        'not_found',
        `There is no connection "${key}" (give its ID, cn_…, or its name)`,
        'connectionId',
      );
    return found.id;
  }

  /** Find a connection by its id (`cn_…`) or, case-insensitively, by its name. */
  getConnection(idOrName: string): Connection {
    return findConnection(this.config.data, idOrName);
  }

  /**
   * Save a new connection. `takeOver` is for a KMS migration only (never from the API): the
   * connection replaces another and its schedule starts where that one's stopped.
   */
  async createConnection(
    input: MethodParsed<'connections.create'>,
    takeOver?: { replaces: string; scheduleFrom: string },
  ): Promise<Connection> {
    checkS3Destination(input.destination);
    checkFolderOutsideDataDir(input.destination, this.dataDir);
    const stored = () => this.config.data;
    const created = await withFolderDestination(input.destination, undefined, stored, (dest) =>
      this.config.update((data) => {
        const project = data.projects.find((p) => p.id === input.projectId);
        if (!project)
          throw new FerryError(
            'validation',
            `There is no project with ID ${input.projectId}. Create it first.`,
            'projectId',
          );
        if (input.id && [...data.connections, ...data.archived].some((c) => c.id === input.id))
          throw new FerryError('conflict', `Connection ID ${input.id} is already used`, 'id');
        const now = this.clock.now().toISOString();
        const conn: Connection = {
          ...input,
          destination: dest ?? input.destination,
          id: input.id ?? newConnectionId(data),
          scheduleFrom: takeOver?.scheduleFrom ?? (input.enabled ? now.slice(0, 13) : null),
          replaces: takeOver?.replaces ?? null,
          createdAt: now,
          updatedAt: now,
        };
        checkConnection(data, conn, project);
        checkSourcesApartFromExports(data, { connection: conn });
        data.connections.push(conn);
        return conn;
      }),
    );
    this.emit({ type: 'entity.changed', entity: 'connection', id: created.id, change: 'created' });
    return created;
  }

  async updateConnection(input: MethodParsed<'connections.update'>): Promise<Connection> {
    if (input.destination) {
      checkS3Destination(input.destination);
      checkFolderOutsideDataDir(input.destination, this.dataDir);
    }
    // A new folder is made, and so is one of a connection being enabled (saved before Ferry made
    // folders on save); an export never makes it. Other changes — a disable above all — never
    // depend on the folder.
    const before = findConnection(this.config.data, input.id).destination;
    const folder = input.destination ?? (input.enabled ? before : undefined);
    const updated = await withFolderDestination(
      folder,
      before,
      () => this.config.data,
      (dest) =>
        this.config.update((data) => {
          const target = findConnection(data, input.id);
          const now = this.clock.now().toISOString();
          const next: Connection = {
            ...target,
            ...(input.name !== undefined && { name: input.name }),
            ...(dest !== undefined && { destination: dest }),
            ...(input.datasets !== undefined && { datasets: input.datasets }),
            ...(input.enabled !== undefined && { enabled: input.enabled }),
            ...(input.options !== undefined && {
              options: { ...target.options, ...input.options },
            }),
            ...(input.schedule !== undefined && {
              schedule: { ...target.schedule, ...input.schedule },
            }),
            // The schedule covers hours from the first time the connection was enabled.
            ...(input.enabled && !target.scheduleFrom && { scheduleFrom: now.slice(0, 13) }),
            ...(input.createdBy !== undefined && { createdBy: input.createdBy }),
            updatedAt: now,
          };
          checkConnection(data, next, findProject(data, next.projectId));
          if (input.destination) checkSourcesApartFromExports(data, { connection: next });
          Object.assign(target, next);
          return target;
        }),
    );
    this.emit({ type: 'entity.changed', entity: 'connection', id: updated.id, change: 'updated' });
    return updated;
  }

  /**
   * Delete a connection. With `archive` (a migration's old connection) it is kept in the
   * archive so its job history still says what it was.
   */
  async deleteConnection(idOrName: string, archive?: string): Promise<{ deleted: true }> {
    const id = await this.config.update((data) => {
      const target = findConnection(data, idOrName);
      data.connections = data.connections.filter((c) => c.id !== target.id);
      delete data.accessChecks[target.id];
      // Whoever it replaced or was replaced by now stands alone.
      for (const c of data.connections) if (c.replaces === target.id) c.replaces = null;
      if (archive)
        data.archived.push({
          ...target,
          enabled: false,
          archivedAt: this.clock.now().toISOString(),
          reason: archive,
        });
      return target.id;
    });
    this.emit({ type: 'entity.changed', entity: 'connection', id, change: 'deleted' });
    return { deleted: true };
  }
}

function findOrg(data: ConfigData, id: number): Organization {
  const org = data.organizations.find((o) => o.id === id);
  if (!org) throw new FerryError('not_found', `There is no organization with ID ${id}`, 'id');
  return org;
}

function findProject(data: ConfigData, id: number): Project {
  const project = data.projects.find((p) => p.id === id);
  if (!project) throw new FerryError('not_found', `There is no project with ID ${id}`, 'id');
  return project;
}

function findConnection(data: ConfigData, idOrName: string): Connection {
  const key = idOrName.trim();
  const conn =
    data.connections.find((c) => c.id === key) ??
    data.connections.find((c) => c.name.toLowerCase() === key.toLowerCase());
  if (!conn)
    throw new FerryError(
      'not_found',
      `There is no connection "${key}" (give its ID, cn_…, or its name)`,
      'id',
    );
  return conn;
}

function newConnectionId(data: ConfigData): string {
  for (;;) {
    const id = connectionIdFrom(randomBytes(8));
    if (!data.connections.some((c) => c.id === id)) return id;
  }
}

const names = (items: { name: string }[]) =>
  items
    .slice(0, 3)
    .map((i) => `"${i.name}"`)
    .join(', ') + (items.length > 3 ? ', …' : '');
