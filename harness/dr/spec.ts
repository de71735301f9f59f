// The scenario's `dr` block: a VNF of several VMs in a primary site made
// restorable in a backup site by one of the three options of the GR seed
// (../shared/seeds/multisite-vnf-gr-requirement.rst), and how often the DR
// runner (the seed's "GR software") protects it.
import { z } from 'zod';
import { duration, name } from '../scenario/fields.js';

export const DR_OPTIONS = ['quiesce-group-snapshot', 'server-snapshot', 'replication'] as const;
export type DrOption = (typeof DR_OPTIONS)[number];

export const drSpec = z
  .strictObject({
    vnf: name('vnf name').default('app').meta({ description: 'Name of the VNF whose VMs are protected' }),
    primary: name('site name').meta({ description: 'Where the VNF runs: its VMs are servers of this site\'s compute API, booted from volumes' }),
    backup: name('site name').meta({ description: 'Where it is restored: runs the object store (Swift) and, for replication, the replica volumes' }),
    option: z.enum(DR_OPTIONS).meta({
      description:
        "The seed's option: quiesce-group-snapshot (1: quiesce the VMs in order, one group snapshot, unquiesce in reverse, volumes from the snapshots, incremental backups to the backup site's Swift), server-snapshot (2: a compute snapshot per VM, image metadata holding the volume snapshots, then as 1), replication (3: data volumes replicated to the backup site, promoted there)",
    }),
    members: z.number().int().min(2, { message: 'a DR VNF has at least 2 VMs (its transactions span them): write e.g. 3' }).max(6, { message: 'at most 6 VMs: write e.g. 3' }).default(3),
    rate: z.number().positive({ message: 'rate is transactions per second across the VMs: write a number above 0, e.g. 20' }).max(200, { message: 'at most 200 transactions per second: write e.g. 20' }).default(20),
    volumeSize: z.number().int().min(1, { message: 'volumeSize is in GiB: write 1 or more' }).max(8, { message: 'volumeSize is at most 8 (GiB; the backend stores 4 MiB per GiB)' }).default(1),
    every: duration.optional().meta({ description: 'Options 1 and 2: start a protection cycle (snapshot + backup) this often; none for replication' }),
    first: duration.default(1000).meta({ description: 'Options 1 and 2: when the first cycle starts, from the start of the workload' }),
    incremental: z.boolean().default(true).meta({ description: 'Backups after the first of each volume are incremental (false: a full backup every cycle, known-bad for DR-INCREMENTAL-BACKUP)' }),
    quiesce: z.boolean().default(true).meta({ description: 'Option 1: quiesce the VMs around the group snapshot (false: snapshot them live, known-bad)' }),
    volumes: z
      .array(z.enum(['boot', 'data']))
      .min(1, { message: 'volumes lists what each cycle protects: boot, data or both, e.g. [boot, data]' })
      .default(['boot', 'data'])
      .meta({ description: "Which of each VM's volumes are protected: backed up by each cycle (options 1, 2) or of the replicated type (option 3); default both, one alone is known-bad: the seed needs both restorable" }),
    autoFailover: z.boolean().default(false).meta({ description: 'GR software that fails over by itself once a cycle finds the primary unreachable, without an operator (known-bad for DR-MANUAL-TRIGGER: the seed wants the transfer triggered by hand)' }),
    volumesFromCompute: z.boolean().default(true).meta({ description: "Option 1: read each VM's volumes from compute at every cycle (false: GR software that trusts its own records, known-bad for DR-OPT1-VOLUMES-FROM-COMPUTE)" }),
    backendRef: z.boolean().default(true).meta({ description: "The volume services keep a managed volume's backend reference in its admin metadata, the fix the seed asks of Cinder (false: the unpatched behaviour, known-bad for DR-ADMIN-METADATA-REF)" }),
    keepImages: z.boolean().default(false).meta({ description: 'Option 2: leave the temporary images in the image service (known-bad for DR-OPT2-IMAGE-CLEANUP)' }),
    unquiesceAfter: z.enum(['snapshot', 'backup']).default('snapshot').meta({ description: 'Option 1: unquiesce once the group snapshot exists (the seed), or only once the backups are done (known-bad for DR-OPT1-FAST-SNAPSHOT: the VNF is held through the backups)' }),
    order: z.array(z.number().int().min(0)).optional().meta({ description: 'Option 1: the order the VMs are quiesced in, by index (default 0, 1, ...: the order their transactions touch them); unquiesce is the reverse' }),
  })
  .superRefine((d, ctx) => {
    const add = (path: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', path, message });
    if (d.option === 'replication' && d.every !== undefined) add(['every'], 'option replication protects continuously (the volume service replicates every change): remove every, or pick quiesce-group-snapshot or server-snapshot');
    if (d.option !== 'replication' && d.every === undefined) add(['every'], `option ${d.option} protects by cycles: say how often, e.g. every: 4s`);
    if (d.every !== undefined && d.every < 500) add(['every'], 'a protection cycle (quiesce, snapshot, backup across the WAN) takes hundreds of ms: use every: 500ms or more, e.g. 4s');
    if (d.order !== undefined) {
      const sorted = [...d.order].sort((a, b) => a - b);
      if (d.option !== 'quiesce-group-snapshot') add(['order'], 'order is the quiesce order of option quiesce-group-snapshot: remove it');
      else if (sorted.length !== d.members || sorted.some((x, i) => x !== i)) add(['order'], `order lists every VM index once, 0 to ${d.members - 1}, e.g. [${[...Array(d.members).keys()].join(', ')}]`);
    }
    if (d.keepImages && d.option !== 'server-snapshot') add(['keepImages'], 'keepImages is a knob of option server-snapshot (the only one that makes images): remove it');
    if (d.unquiesceAfter !== 'snapshot' && d.option !== 'quiesce-group-snapshot') add(['unquiesceAfter'], 'unquiesceAfter is a knob of option quiesce-group-snapshot: remove it');
    if (!d.quiesce && d.option !== 'quiesce-group-snapshot') add(['quiesce'], 'quiesce: false is a knob of option quiesce-group-snapshot: remove it');
  });

export type DrSpec = z.output<typeof drSpec>;

/** The quiesce order of a spec: given, or the order transactions touch the VMs. */
export function quiesceOrder(d: DrSpec): number[] {
  return d.order ?? [...Array(d.members).keys()];
}
