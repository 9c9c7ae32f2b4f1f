// What a schema cannot check in the rendered Kubernetes manifests and the compose model: that the
// pieces fit each other and the services (selectors match pod labels, probes and Services use the
// port the service listens on, addresses name a headless Service that exists, memory covers the
// measured RSS, every pod runs non-root on a read-only root file system). Pure functions over
// parsed documents, so the deploy check and its tests share them.
const { SERVICES } = require('../lib/stack.cjs');
const { KEYS_DIR, RUNTIME_UID, dockerfilePath } = require('./dockerfile.cjs');

/**
 * The Prometheus scrape port of each service (docs/deploy.md, "Ports"): distinct per service so
 * that `npm start`, with the four on one host, can use the same numbers as a cluster. From the stack
 * description (libs/config/src/stack.json), where the services' own default comes from.
 */
const METRICS_PORTS = Object.fromEntries(SERVICES.map((s) => [s.key, s.defaultMetricsPort]));
const MIN_REPLICAS = 2;

const MEBI = 1024 * 1024;
/** Bytes from a Kubernetes quantity (Mi, Gi, M, G, plain). */
function bytesOf(quantity) {
  const match = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|K|M|G)?$/.exec(String(quantity));
  if (!match) return NaN;
  const unit = { Ki: 1024, Mi: MEBI, Gi: 1024 * MEBI, K: 1e3, M: 1e6, G: 1e9 }[match[2]] ?? 1;
  return Number(match[1]) * unit;
}

function matches(selector, labels) {
  return Object.entries(selector ?? {}).every(([key, value]) => labels?.[key] === value) && Object.keys(selector ?? {}).length > 0;
}

/**
 * Problems of a kustomize build's documents. `rssMb` maps app → the latest measured RSS (MB);
 * `complete` demands that every referenced ConfigMap and Secret is in the output (an overlay),
 * whereas a base may leave Secrets to its overlays.
 */
function checkManifests(docs, { rssMb = {}, complete = false } = {}) {
  const problems = [];
  const byKind = (kind) => docs.filter((doc) => doc?.kind === kind);
  const named = (kind, name) => byKind(kind).find((doc) => doc.metadata?.name === name);
  const secretNames = new Set(byKind('Secret').map((doc) => doc.metadata.name));
  const configMaps = byKind('ConfigMap');
  const config = Object.assign({}, ...configMaps.map((doc) => doc.data ?? {}));
  const headless = byKind('Service').filter((svc) => svc.spec?.clusterIP === 'None');

  for (const service of SERVICES) {
    const { key, app, defaultPort, portVar } = service;
    const where = (what) => `${app}: ${what}`;
    const deployment = named('Deployment', app);
    if (!deployment) {
      problems.push(where('no Deployment'));
      continue;
    }
    const podLabels = deployment.spec?.template?.metadata?.labels ?? {};
    if (!matches(deployment.spec?.selector?.matchLabels, podLabels)) problems.push(where('Deployment selector does not match its pod labels'));
    if (!(deployment.spec?.replicas >= MIN_REPLICAS)) problems.push(where(`replicas ${deployment.spec?.replicas} < ${MIN_REPLICAS}`));
    const pod = deployment.spec?.template?.spec ?? {};
    if (pod.securityContext?.runAsNonRoot !== true) problems.push(where('pod securityContext.runAsNonRoot is not true'));
    if (pod.securityContext?.runAsUser !== RUNTIME_UID) problems.push(where(`pod runs as uid ${pod.securityContext?.runAsUser}, the image's user is ${RUNTIME_UID}`));
    const container = (pod.containers ?? []).find((c) => c.name === app);
    if (!container) {
      problems.push(where('no container named after the app'));
      continue;
    }
    if (!String(container.image ?? '').startsWith(`signalpath/${app}`)) problems.push(where(`image ${container.image} is not signalpath/${app}`));
    const ports = Object.fromEntries((container.ports ?? []).map((p) => [p.name, p.containerPort]));
    if (ports.grpc !== defaultPort) problems.push(where(`container port grpc is ${ports.grpc}, the service listens on ${defaultPort}`));
    if (ports.metrics !== METRICS_PORTS[key]) problems.push(where(`container port metrics is ${ports.metrics}, documented ${METRICS_PORTS[key]}`));
    const scrapePort = deployment.spec?.template?.metadata?.annotations?.['prometheus.io/port'];
    if (scrapePort !== undefined && scrapePort !== String(METRICS_PORTS[key])) problems.push(where(`prometheus.io/port annotation is ${scrapePort}, documented ${METRICS_PORTS[key]}`));
    const env = Object.fromEntries((container.env ?? []).map((e) => [e.name, e]));
    if (env[portVar]?.value !== String(defaultPort)) problems.push(where(`${portVar} is not set to ${defaultPort}`));
    if (!env.MONGODB_URI?.valueFrom?.secretKeyRef) problems.push(where('MONGODB_URI does not come from a Secret'));
    for (const probe of ['readinessProbe', 'livenessProbe']) {
      if (container[probe]?.grpc?.port !== defaultPort) problems.push(where(`${probe} is not a gRPC probe on port ${defaultPort}`));
    }
    const security = container.securityContext ?? {};
    if (security.readOnlyRootFilesystem !== true) problems.push(where('root file system is not read-only'));
    if (security.allowPrivilegeEscalation !== false) problems.push(where('privilege escalation is not disabled'));
    if (!(security.capabilities?.drop ?? []).includes('ALL')) problems.push(where('capabilities are not all dropped'));
    const requested = bytesOf(container.resources?.requests?.memory);
    const limit = bytesOf(container.resources?.limits?.memory);
    const rss = rssMb[app];
    if (!(requested > 0) || !(limit >= requested)) problems.push(where('memory request and a limit at least as large are required'));
    if (rss !== undefined && !(requested >= rss * MEBI)) problems.push(where(`memory request ${container.resources?.requests?.memory} is below the measured RSS ${rss.toFixed(1)} MB`));
    if (!container.resources?.requests?.cpu) problems.push(where('no CPU request (the autoscaler scales on CPU utilization of the request)'));
    const keys = (container.volumeMounts ?? []).find((m) => m.mountPath === KEYS_DIR);
    const keysVolume = keys && (pod.volumes ?? []).find((v) => v.name === keys.name);
    if (!keys?.readOnly || !keysVolume?.secret?.secretName) problems.push(where(`keys are not mounted read-only from a Secret at ${KEYS_DIR}`));
    else if (complete && !secretNames.has(keysVolume.secret.secretName)) problems.push(where(`Secret ${keysVolume.secret.secretName} is not in the output`));
    for (const e of container.env ?? []) {
      const ref = e.valueFrom?.secretKeyRef?.name;
      if (ref && complete && !secretNames.has(ref)) problems.push(where(`${e.name} refers to Secret ${ref}, not in the output`));
    }
    for (const from of container.envFrom ?? []) {
      if (from.configMapRef && !configMaps.some((doc) => doc.metadata.name === from.configMapRef.name)) problems.push(where(`ConfigMap ${from.configMapRef.name} is not in the output`));
    }

    const svc = headless.find((s) => s.metadata.name === `${app}-headless`);
    if (!svc) problems.push(where(`no headless Service ${app}-headless`));
    else {
      if (!matches(svc.spec.selector, podLabels)) problems.push(where('headless Service selector does not match the pods'));
      const grpcPort = (svc.spec.ports ?? []).find((p) => p.name === 'grpc');
      if (grpcPort?.port !== defaultPort) problems.push(where(`headless Service grpc port is ${grpcPort?.port}, not ${defaultPort}`));
    }
    const address = config[service.portVar.replace('_PORT', '_ADDR')];
    if (address !== `dns:///${app}-headless:${defaultPort}`) problems.push(where(`${service.portVar.replace('_PORT', '_ADDR')} is ${address}, not dns:///${app}-headless:${defaultPort}`));

    const pdb = byKind('PodDisruptionBudget').find((doc) => matches(doc.spec?.selector?.matchLabels, podLabels));
    if (!pdb) problems.push(where('no PodDisruptionBudget selects its pods'));
    else if (pdb.spec.maxUnavailable === undefined && pdb.spec.minAvailable === undefined) problems.push(where('PodDisruptionBudget bounds nothing'));
    const hpa = byKind('HorizontalPodAutoscaler').find((doc) => doc.spec?.scaleTargetRef?.kind === 'Deployment' && doc.spec.scaleTargetRef.name === app);
    if (!hpa) problems.push(where('no HorizontalPodAutoscaler targets its Deployment'));
    else {
      if (!(hpa.spec.minReplicas >= MIN_REPLICAS)) problems.push(where(`HorizontalPodAutoscaler minReplicas ${hpa.spec.minReplicas} < ${MIN_REPLICAS}`));
      if (!(hpa.spec.metrics ?? []).some((m) => m.type === 'Resource' && m.resource?.name === 'cpu')) problems.push(where('HorizontalPodAutoscaler does not scale on CPU'));
    }
  }
  if (config.SIGNALPATH_HOST !== '0.0.0.0') problems.push(`ConfigMap: SIGNALPATH_HOST is ${config.SIGNALPATH_HOST}, services would listen on loopback only`);
  if (String(config.SIGNALPATH_DEV_KEYS) !== 'false') problems.push('ConfigMap: SIGNALPATH_DEV_KEYS is not false (a pod would generate its own keys)');
  for (const doc of byKind('Secret')) {
    // A Secret committed in a base would be a real secret in git; generated ones carry a hash suffix.
    if (!complete) problems.push(`Secret ${doc.metadata.name} in a base: Secrets belong to overlays, generated from git-ignored files`);
  }
  return problems;
}

/**
 * Problems of the compose model as compose-go normalizes it (`compose-validate` output): the four
 * services built from their Dockerfiles, read-only and reaching each other by compose name, a
 * three-member replica set initiated by a one-shot job, Jaeger with OTLP, keys from read-only
 * volumes, SIGNAL_HASH_SECRET only from an env file; with `prometheusConfig` (the parsed
 * deploy/compose/prometheus.yml), a Prometheus service scraping every service on its metrics port.
 */
function checkCompose(model, composeText, prometheusConfig) {
  const problems = [];
  const services = model.services ?? {};
  const mongods = Object.entries(services).filter(([, s]) => (s.command ?? []).includes('--replSet'));
  if (mongods.length !== 3) problems.push(`${mongods.length} mongod services with --replSet, want 3`);
  const init = Object.entries(services).find(([, s]) => (s.command ?? []).join(' ').includes('rs.initiate'));
  if (!init) problems.push('no job runs rs.initiate');
  else {
    const [, initService] = init;
    for (const [name] of mongods) if (!initService.depends_on?.[name]) problems.push(`rs.initiate job does not wait for ${name}`);
    for (const [name] of mongods) if (!(initService.command ?? []).join(' ').includes(`${name}:27017`)) problems.push(`rs.initiate does not name member ${name}:27017`);
  }
  const jaeger = Object.entries(services).find(([, s]) => String(s.image ?? '').startsWith('jaegertracing/all-in-one:'));
  if (!jaeger) problems.push('no Jaeger all-in-one');
  else if (String(jaeger[1].environment?.COLLECTOR_OTLP_ENABLED) !== 'true') problems.push('Jaeger without COLLECTOR_OTLP_ENABLED');
  for (const service of SERVICES) {
    const { app, key, portVar, defaultPort } = service;
    const s = services[app];
    if (!s) {
      problems.push(`no compose service ${app}`);
      continue;
    }
    const where = (what) => `${app}: ${what}`;
    if (!String(s.build?.dockerfile ?? '').endsWith(dockerfilePath(app))) problems.push(where(`built from ${s.build?.dockerfile}, not ${dockerfilePath(app)}`));
    if (s.read_only !== true) problems.push(where('root file system is not read-only'));
    if (!(s.cap_drop ?? []).includes('ALL')) problems.push(where('capabilities are not all dropped'));
    const env = s.environment ?? {};
    if (env[portVar] !== String(defaultPort)) problems.push(where(`${portVar} is ${env[portVar]}`));
    if (env.SIGNALPATH_HOST !== '0.0.0.0') problems.push(where('SIGNALPATH_HOST is not 0.0.0.0'));
    if (env.SIGNALPATH_DEV_KEYS !== 'false') problems.push(where('SIGNALPATH_DEV_KEYS is not false'));
    if (env.SIGNALPATH_KEYS_DIR !== KEYS_DIR) problems.push(where(`SIGNALPATH_KEYS_DIR is ${env.SIGNALPATH_KEYS_DIR}`));
    const uri = String(env.MONGODB_URI ?? '');
    if (!uri.includes('replicaSet=') || !mongods.every(([name]) => uri.includes(`${name}:27017`))) problems.push(where('MONGODB_URI does not name the replica set and its three members'));
    if (!String(env.OTEL_EXPORTER_OTLP_ENDPOINT ?? '').startsWith(`http://${jaeger?.[0]}:4318`)) problems.push(where('traces are not sent to Jaeger over OTLP/HTTP'));
    for (const other of SERVICES) {
      const addrVar = other.portVar.replace('_PORT', '_ADDR');
      if (env[addrVar] !== `${other.app}:${other.defaultPort}`) problems.push(where(`${addrVar} is ${env[addrVar]}, not ${other.app}:${other.defaultPort}`));
    }
    const keys = (s.volumes ?? []).find((v) => v.target === KEYS_DIR);
    if (!keys || keys.read_only !== true) problems.push(where(`keys are not a read-only volume at ${KEYS_DIR}`));
    if (!s.depends_on?.[init?.[0]] || s.depends_on[init[0]].condition !== 'service_completed_successfully') problems.push(where('does not wait for the replica set to be initiated'));
    if (key === 'signal' && !env.SIGNAL_HASH_SECRET) problems.push(where('SIGNAL_HASH_SECRET is not set'));
    const metricsPort = env[service.metricsPortVar];
    if (metricsPort !== undefined && metricsPort !== String(METRICS_PORTS[key])) problems.push(where(`${service.metricsPortVar} is ${metricsPort}, documented ${METRICS_PORTS[key]}`));
  }
  if (prometheusConfig !== undefined) {
    const prometheus = Object.entries(services).find(([, s]) => String(s.image ?? '').startsWith('prom/prometheus:'));
    if (!prometheus) problems.push('no Prometheus');
    // Every scrape target, as host:port, from static_configs and dns_sd_configs.
    const targets = new Set();
    for (const job of prometheusConfig?.scrape_configs ?? []) {
      for (const c of job.static_configs ?? []) for (const t of c.targets ?? []) targets.add(t);
      for (const c of job.dns_sd_configs ?? []) for (const n of c.names ?? []) targets.add(`${n}:${c.port}`);
    }
    for (const { app, key } of SERVICES) if (!targets.has(`${app}:${METRICS_PORTS[key]}`)) problems.push(`${app}: Prometheus does not scrape ${app}:${METRICS_PORTS[key]}`);
  }
  const uncommented = composeText.split('\n').map((line) => line.replace(/(^|\s)#.*$/, '')).join('\n');
  if (/SIGNAL_HASH_SECRET\s*[:=]\s*\S/.test(uncommented)) problems.push('SIGNAL_HASH_SECRET has a value in the compose file itself');
  return problems;
}

module.exports = { METRICS_PORTS, MIN_REPLICAS, bytesOf, checkManifests, checkCompose };
