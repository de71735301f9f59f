import { describe, expect, it } from 'vitest';
import { CinderError, cinderErrorBody, faultName } from '../../harness/services/volume/errors.js';
import { MAX_VERSION, atLeast, parseVersionHeader } from '../../harness/services/volume/microversion.js';
import { isTrueSpec, parseBody } from '../../harness/services/volume/service.js';
import { volumeOptions } from '../../harness/services/volume/start.js';
import { BackupCreateSchema, VolumeCreateSchema } from '../../harness/services/volume/types.js';

function thrown(fn: () => unknown): CinderError {
  try {
    fn();
  } catch (e) {
    if (e instanceof CinderError) return e;
    throw e;
  }
  throw new Error('did not throw');
}

describe('volume API validation', () => {
  it('answers errors in Cinder fault bodies named by status', () => {
    expect(cinderErrorBody(404, 'Volume x could not be found.')).toEqual({ itemNotFound: { code: 404, message: 'Volume x could not be found.' } });
    expect(faultName(400)).toBe('badRequest');
    expect(faultName(409)).toBe('conflictingRequest');
    expect(faultName(500)).toBe('computeFault');
  });

  it('rejects a body without its resource key, a wrong type, and names the field', () => {
    const missing = thrown(() => parseBody(VolumeCreateSchema, { size: 1 }, 'volume'));
    expect(missing.status).toBe(400);
    expect(missing.message).toBe("Missing required element 'volume' in request body.");
    const wrong = thrown(() => parseBody(VolumeCreateSchema, { volume: { size: 'big' } }, 'volume'));
    expect(wrong.body()).toEqual({ badRequest: { code: 400, message: expect.stringMatching(/^Invalid input for field\/attribute size\. Value: "big"\./) } });
    const req = thrown(() => parseBody(BackupCreateSchema, { backup: { name: 'x' } }, 'backup'));
    expect(req.message).toBe("'volume_id' is a required property");
  });

  it('accepts Cinder string booleans', () => {
    expect(parseBody(BackupCreateSchema, { backup: { volume_id: 'v', incremental: 'True', force: 'false' } }, 'backup')).toMatchObject({ incremental: true, force: false });
  });

  it('reads the replication extra spec as Cinder does', () => {
    expect(isTrueSpec('<is> True')).toBe(true);
    expect(isTrueSpec('True')).toBe(true);
    expect(isTrueSpec('<is> False')).toBe(false);
    expect(isTrueSpec(undefined)).toBe(false);
  });

  it('parses the microversion header: absent is 3.0, latest the maximum, out of range an error', () => {
    expect(parseVersionHeader(undefined)).toEqual({ major: 3, minor: 0 });
    expect(parseVersionHeader('volume 3.14')).toEqual({ major: 3, minor: 14 });
    expect(parseVersionHeader('compute 2.1, volume 3.13')).toEqual({ major: 3, minor: 13 });
    expect(parseVersionHeader(undefined, '3.27')).toEqual({ major: 3, minor: 27 });
    expect(parseVersionHeader('volume latest')).toEqual(MAX_VERSION);
    expect(parseVersionHeader('volume 3.999')).toEqual({ error: expect.stringContaining('not supported') });
    expect(parseVersionHeader('volume 2.0')).toEqual({ error: expect.stringContaining('not supported') });
    expect(parseVersionHeader('volume three')).toEqual({ error: expect.stringContaining('Invalid API version') });
    expect(atLeast({ major: 3, minor: 14 }, 3, 13)).toBe(true);
    expect(atLeast({ major: 3, minor: 12 }, 3, 13)).toBe(false);
  });

  it('takes the volume flags only with --volume, with defaults and checks', () => {
    const fail = (m: string): never => {
      throw new Error(m);
    };
    expect(volumeOptions({}, fail)).toBeNull();
    expect(() => volumeOptions({ 'replication-target': 'http://x' }, fail)).toThrow('--replication-target needs --volume');
    expect(volumeOptions({ volume: true }, fail)).toEqual({ port: 8776, gibBytes: 4 * 1024 * 1024, replicationTarget: null, replicationIntervalMs: 200, swift: null, backendRef: true });
    expect(volumeOptions({ volume: true, 'no-backend-ref': true }, fail)).toMatchObject({ backendRef: false });
    expect(() => volumeOptions({ 'no-backend-ref': true }, fail)).toThrow('--no-backend-ref needs --volume');
    expect(() => volumeOptions({ volume: true, 'backup-swift-url': 'http://a:8080/auth/v1.0' }, fail)).toThrow(/needs --backup-swift-user/);
    expect(() => volumeOptions({ volume: true, 'replication-target': 'ftp://x' }, fail)).toThrow(/http:\/\/ URL/);
    expect(() => volumeOptions({ volume: true, 'volume-gib-bytes': '0' }, fail)).toThrow(/>= 1/);
  });
});
