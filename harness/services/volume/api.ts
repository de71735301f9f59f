// Cinder v3 routes under /v3/{project_id}/ (any project id is accepted)
// over the VolumeService and BackupService. Every reply carries the
// microversion it was served at (`OpenStack-API-Version: volume 3.x`);
// groups need 3.13, group snapshots 3.14, as in Cinder.
import { Router, type Handler, type Reply, type RouteRequest, type ServiceDefinition } from '../http.js';
import type { BackupService } from './backups.js';
import { CinderError, cinderErrorBody } from './errors.js';
import { MAX_VERSION, atLeast, format, parseVersionHeader, type Microversion } from './microversion.js';
import type { VolumeService } from './service.js';
import { backupView, groupSnapshotView, groupTypeView, groupView, snapshotView, volumeSummary, volumeTypeView, volumeView } from './views.js';

export const VOLUME_PORT = 8776;

type VHandler = (req: RouteRequest, mv: Microversion) => Promise<Reply>;

export function volumeApi(svc: VolumeService, backups: BackupService): ServiceDefinition {
  const r = new Router();
  const P = '/v3/{project_id}';

  /** Parses the microversion, refuses versions below `min` as Cinder does (404), stamps the reply. */
  const v = (h: VHandler, min?: [number, number]): Handler => async (req) => {
    const mv = parseVersionHeader(req.headers['openstack-api-version'], req.headers['openstack-volume-microversion']);
    if ('error' in mv) return { status: 406, body: cinderErrorBody(406, mv.error) };
    const stamp = { 'OpenStack-API-Version': `volume ${format(mv)}`, Vary: 'OpenStack-API-Version' };
    if (min && !atLeast(mv, min[0], min[1])) {
      return { status: 404, body: cinderErrorBody(404, `API version ${format(mv)} is not supported on this method (needs ${min[0]}.${min[1]}).`), headers: stamp };
    }
    try {
      const reply = await h(req, mv);
      return { ...reply, headers: { ...stamp, ...reply.headers } };
    } catch (err) {
      if (err instanceof CinderError) return { status: err.status, body: err.body(), headers: stamp };
      throw err;
    }
  };
  const ok = (body: unknown, status = 200): Reply => ({ status, body });
  const id = (req: RouteRequest, k = 'id') => req.params[k]!;
  const project = (req: RouteRequest) => req.params['project_id'];
  const t = () => Date.now();

  const version = { id: 'v3.0', status: 'CURRENT', version: format(MAX_VERSION), min_version: '3.0', updated: '2023-01-01T00:00:00Z', links: [] as unknown[], 'media-types': [{ base: 'application/json', type: 'application/vnd.openstack.volume+json;version=3' }] };
  r.add('GET', '/', async () => ({ status: 300, body: { versions: [version] } }));
  r.add('GET', '/v3', async () => ok({ version }));

  // ------------------------------------------------------------- volumes
  r.add('POST', `${P}/volumes`, v(async (req, mv) => ok({ volume: volumeView(await svc.createVolume(req.body, project(req)), mv, t()) }, 202)));
  r.add('GET', `${P}/volumes`, v(async (req) => ok({ volumes: filter(await svc.listVolumes(), req).map(volumeSummary) })));
  r.add('GET', `${P}/volumes/detail`, v(async (req, mv) => ok({ volumes: filter(await svc.listVolumes(), req).map((x) => volumeView(x, mv, t())) })));
  r.add('GET', `${P}/volumes/{id}`, v(async (req, mv) => ok({ volume: volumeView(await svc.volume(id(req)), mv, t()) })));
  r.add('DELETE', `${P}/volumes/{id}`, v(async (req) => (await svc.deleteVolume(id(req)), ok(undefined, 202))));
  r.add('POST', `${P}/volumes/{id}/action`, v(async (req) => await svc.volumeAction(id(req), req.body)));
  r.add('GET', `${P}/volumes/{id}/metadata`, v(async (req, mv) => ok({ metadata: volumeView(await svc.volume(id(req)), mv, t()).metadata })));

  // ---------------------------------------------------------------- types
  r.add('POST', `${P}/types`, v(async (req) => ok({ volume_type: volumeTypeView(await svc.createType(req.body)) })));
  r.add('GET', `${P}/types`, v(async () => ok({ volume_types: (await svc.listTypes()).map(volumeTypeView) })));
  r.add('GET', `${P}/types/{id}`, v(async (req) => ok({ volume_type: volumeTypeView(await svc.volumeType(id(req))) })));
  r.add('DELETE', `${P}/types/{id}`, v(async (req) => (await svc.deleteType(id(req)), ok(undefined, 202))));
  r.add('POST', `${P}/types/{id}/extra_specs`, v(async (req) => ok({ extra_specs: await svc.setExtraSpecs(id(req), req.body) })));
  r.add('GET', `${P}/types/{id}/extra_specs`, v(async (req) => ok({ extra_specs: (await svc.volumeType(id(req))).extra_specs })));

  // ---------------------------------------------------------- group types
  const G: [number, number] = [3, 11];
  r.add('POST', `${P}/group_types`, v(async (req) => ok({ group_type: groupTypeView(await svc.createGroupType(req.body)) }), G));
  r.add('GET', `${P}/group_types`, v(async () => ok({ group_types: (await svc.listGroupTypes()).map(groupTypeView) }), G));
  r.add('GET', `${P}/group_types/{id}`, v(async (req) => ok({ group_type: groupTypeView(await svc.groupType(id(req))) }), G));
  r.add('DELETE', `${P}/group_types/{id}`, v(async (req) => (await svc.deleteGroupType(id(req)), ok(undefined, 202)), G));

  // --------------------------------------------------------------- groups
  const GR: [number, number] = [3, 13];
  const groupOut = async (g: Awaited<ReturnType<VolumeService['group']>>, req: RouteRequest) =>
    groupView(g, req.query.get('list_volume') === 'true' || req.query.get('list_volume') === 'True' ? await svc.groupVolumeIds(g.id) : null);
  r.add('POST', `${P}/groups`, v(async (req) => {
    const g = await svc.createGroup(req.body, project(req));
    return ok({ group: { id: g.id, name: g.name } }, 202);
  }, GR));
  r.add('GET', `${P}/groups`, v(async () => ok({ groups: (await svc.listGroups()).map((g) => ({ id: g.id, name: g.name })) }), GR));
  r.add('GET', `${P}/groups/detail`, v(async (req) => ok({ groups: await Promise.all((await svc.listGroups()).map((g) => groupOut(g, req))) }), GR));
  r.add('GET', `${P}/groups/{id}`, v(async (req) => ok({ group: await groupOut(await svc.group(id(req)), req) }), GR));
  r.add('PUT', `${P}/groups/{id}`, v(async (req) => (await svc.updateGroup(id(req), req.body), ok(undefined, 202)), GR));
  r.add('POST', `${P}/groups/{id}/action`, v(async (req) => {
    const body = req.body as Record<string, unknown> | undefined;
    const del = body?.['delete'];
    if (typeof del !== 'object' || del === null) throw new CinderError(400, 'There is no such action: only "delete" is supported on groups here.');
    const flag = (del as Record<string, unknown>)['delete-volumes'];
    await svc.deleteGroup(id(req), flag === true || flag === 'true' || flag === 'True');
    return ok(undefined, 202);
  }, GR));

  // ------------------------------------------------------ group snapshots
  const GS: [number, number] = [3, 14];
  r.add('POST', `${P}/group_snapshots`, v(async (req) => {
    const s = await svc.createGroupSnapshot(req.body, project(req));
    return ok({ group_snapshot: { id: s.id, name: s.name, group_type_id: s.group_type_id } }, 202);
  }, GS));
  r.add('GET', `${P}/group_snapshots`, v(async () => ok({ group_snapshots: (await svc.listGroupSnapshots()).map((s) => ({ id: s.id, name: s.name })) }), GS));
  r.add('GET', `${P}/group_snapshots/detail`, v(async () => ok({ group_snapshots: (await svc.listGroupSnapshots()).map(groupSnapshotView) }), GS));
  r.add('GET', `${P}/group_snapshots/{id}`, v(async (req) => ok({ group_snapshot: groupSnapshotView(await svc.groupSnapshot(id(req))) }), GS));
  r.add('DELETE', `${P}/group_snapshots/{id}`, v(async (req) => (await svc.deleteGroupSnapshot(id(req)), ok(undefined, 202)), GS));

  // ------------------------------------------------------------ snapshots
  r.add('POST', `${P}/snapshots`, v(async (req, mv) => ok({ snapshot: snapshotView(await svc.createSnapshot(req.body), mv) }, 202)));
  r.add('GET', `${P}/snapshots`, v(async (req, mv) => ok({ snapshots: filter(await svc.listSnapshots(), req).map((s) => snapshotView(s, mv)) })));
  r.add('GET', `${P}/snapshots/detail`, v(async (req, mv) => ok({ snapshots: filter(await svc.listSnapshots(), req).map((s) => snapshotView(s, mv)) })));
  r.add('GET', `${P}/snapshots/{id}`, v(async (req, mv) => ok({ snapshot: snapshotView(await svc.snapshotRec(id(req)), mv) })));
  r.add('DELETE', `${P}/snapshots/{id}`, v(async (req) => (await svc.deleteSnapshot(id(req)), ok(undefined, 202))));

  // -------------------------------------------------------------- backups
  const backupList = async (req: RouteRequest) => {
    const all = await backups.list();
    return filter(all, req).map((b) => backupView(b, all.some((x) => x.parent_id === b.id)));
  };
  r.add('POST', `${P}/backups`, v(async (req) => {
    const b = await backups.create(req.body, project(req));
    return ok({ backup: { id: b.id, name: b.name, links: [] } }, 202);
  }));
  r.add('GET', `${P}/backups`, v(async (req) => ok({ backups: (await backupList(req)).map((b) => ({ id: b.id, name: b.name, links: b['links'] })) })));
  r.add('GET', `${P}/backups/detail`, v(async (req) => ok({ backups: await backupList(req) })));
  r.add('GET', `${P}/backups/{id}`, v(async (req) => {
    const b = await backups.get(id(req));
    return ok({ backup: backupView(b, await backups.hasDependents(b.id)) });
  }));
  r.add('DELETE', `${P}/backups/{id}`, v(async (req) => (await backups.delete(id(req)), ok(undefined, 202))));
  r.add('POST', `${P}/backups/{id}/restore`, v(async (req) => ok({ restore: await backups.restore(id(req), req.body) }, 202)));
  r.add('GET', `${P}/backups/{id}/export_record`, v(async (req) => ok({ 'backup-record': await backups.exportRecord(id(req)) })));
  r.add('POST', `${P}/backups/import_record`, v(async (req) => {
    const b = await backups.importRecord(req.body, project(req));
    return ok({ backup: { id: b.id, name: b.name, links: [] } }, 201);
  }));

  // ---------------------------------------------- manage, services, failover
  r.add('POST', `${P}/manageable_volumes`, v(async (req, mv) => ok({ volume: volumeView(await svc.manage(req.body, project(req)), mv, t()) }, 202), [3, 8]));
  r.add('GET', `${P}/manageable_volumes`, v(async (req) => ok({ 'manageable-volumes': await svc.manageable(req.query.get('host')) }), [3, 8]));
  r.add('POST', `${P}/os-volume-manage`, v(async (req, mv) => ok({ volume: volumeView(await svc.manage(req.body, project(req)), mv, t()) }, 202)));
  r.add('GET', `${P}/os-services`, v(async () => ok({ services: ['cinder-volume', 'cinder-backup'].map((binary) => ({ binary, host: binary === 'cinder-volume' ? svc.serviceHost : svc.cfg.site, zone: 'nova', status: 'enabled', state: 'up', updated_at: new Date().toISOString(), replication_status: binary === 'cinder-volume' ? 'enabled' : undefined })) })));
  r.add('PUT', `${P}/os-services/failover_host`, v(async (req) => (await svc.failoverHost(req.body), ok(undefined, 202))));
  r.add('PUT', `${P}/os-services/failover`, v(async (req) => (await svc.failoverHost(req.body), ok(undefined, 202)), [3, 26]));

  // The replicator's private endpoint (this emulation's, not Cinder's).
  r.add('PUT', `${P}/msh-replicas/{id}`, v(async (req, mv) => {
    const applied = await svc.applyReplica(id(req), req.body, project(req));
    return applied ? ok({ volume: volumeView(applied, mv, t()) }) : ok(undefined, 202);
  }));

  return { name: 'volume', router: r, errorBody: (status, _type, message) => cinderErrorBody(status, message) };
}

/** Cinder's list filters: a query parameter naming a field of the resource matches it exactly (others, e.g. list_volume, are not filters). */
function filter<T extends object>(items: readonly T[], req: RouteRequest): T[] {
  return items.filter((it) =>
    [...req.query.entries()].every(([k, want]) => {
      if (!(k in it)) return true;
      const have = (it as Record<string, unknown>)[k];
      return String(have) === want;
    }),
  );
}
