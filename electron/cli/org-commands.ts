import type { Command } from 'commander';
import type { Organization } from '../../shared/model/entities';
import type { CliContext } from './context';
import { formatRecord, formatTable, print } from './output';

/** `ferry org add|list|show|update|remove`. */
export function registerOrgCommands(program: Command, ctx: CliContext): void {
  const org = program
    .command('org')
    .description('manage organizations (they own projects and buckets)');

  org
    .command('add')
    .description('add an organization')
    .requiredOption('--id <id>', 'numeric organization ID (as in Amplitude)')
    .requiredOption('--name <name>', 'display name')
    .option('--admin-email <email>', 'who is told when exports fail')
    .action((opts: { id: string; name: string; adminEmail?: string }) =>
      ctx.withApi('write', async (engine) => {
        const created = await engine.call('orgs.create', {
          id: opts.id,
          name: opts.name,
          adminEmail: opts.adminEmail ?? null,
        });
        print(ctx, created, () => `Added organization ${created.id} "${created.name}"\n`);
      }),
    );

  org
    .command('list')
    .description('list organizations')
    .action(() =>
      ctx.withEngine('read', async (engine) => {
        const orgs = await engine.call('orgs.list');
        const projects = await engine.call('projects.list');
        print(ctx, orgs, () =>
          formatTable(
            orgs.map((o) => ({
              id: String(o.id),
              name: o.name,
              'admin email': o.adminEmail ?? '',
              projects: String(projects.filter((p) => p.orgId === o.id).length),
            })),
            ['id', 'name', 'admin email', 'projects'],
            'No organizations yet. Add one with: ferry org add --id <id> --name <name>',
          ),
        );
      }),
    );

  org
    .command('show')
    .description('show one organization')
    .argument('<id>', 'organization ID')
    .action((id: string) =>
      ctx.withEngine('read', async (engine) => {
        const found = await engine.call('orgs.get', { id });
        print(ctx, found, () => formatRecord(orgRecord(found)));
      }),
    );

  org
    .command('update')
    .description("change an organization's name or admin email")
    .argument('<id>', 'organization ID')
    .option('--name <name>', 'new display name')
    .option('--admin-email <email>', 'new admin email ("" to clear)')
    .action((id: string, opts: { name?: string; adminEmail?: string }) =>
      ctx.withApi('write', async (engine) => {
        const updated = await engine.call('orgs.update', {
          id,
          name: opts.name,
          adminEmail: opts.adminEmail === '' ? null : opts.adminEmail,
        });
        print(ctx, updated, () => `Updated organization ${updated.id} "${updated.name}"\n`);
      }),
    );

  org
    .command('remove')
    .description('remove an organization (it must have no projects)')
    .argument('<id>', 'organization ID')
    .action((id: string) =>
      ctx.withApi('write', async (engine) => {
        const result = await engine.call('orgs.delete', { id });
        print(ctx, result, () => `Removed organization ${id}\n`);
      }),
    );
}

function orgRecord(o: Organization): Record<string, string> {
  return {
    id: String(o.id),
    name: o.name,
    'admin email': o.adminEmail ?? '(none)',
    created: o.createdAt,
  };
}
