// Runs services through their Nx `serve` targets (@nx/js:node over @nx/esbuild in watch mode: a
// change to a service or a lib it bundles rebuilds it and restarts its process with SIGTERM).
// Same interface as stack.cjs's startServices, so `npm start -- --watch` (= `nx run tools:stack`)
// differs from `npm start` only in who launches the processes; the arguments come from the same
// serviceNodeArgs (tools/nx/service-targets.cjs) and the environment is the caller's.
const { spawn } = require('node:child_process');
const { existsSync } = require('node:fs');
const path = require('node:path');
const { SERVICES, healthStatus, metricsPortEnv } = require('./stack.cjs');
const { descendants, listeningPid, processInfo } = require('./proc.cjs');

const ROOT = path.resolve(__dirname, '..', '..');
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const alive = (pid) => existsSync(`/proc/${pid}`);
const groupAlive = (pgid) => {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Sends `signal` to each pid, waits for all to exit, SIGKILLs what is left after `graceMs`. */
async function terminate(pids, signal, graceMs) {
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
  const deadline = Date.now() + graceMs;
  while (pids.some(alive) && Date.now() < deadline) await sleep(50);
  for (const pid of pids.filter(alive)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // exited meanwhile
    }
  }
}

/**
 * `nx run-many -t serve` for the services (all, or the keys in `only`) with `env`, in `root`
 * (a workspace; default this one). Output is prefixed `[key]` like startServices'; `output` keeps
 * every line with the service it came from. Returns { processes, output, waitHealthy, stop }; each
 * process entry's `pid()` is the service process listening on its port now (it changes on restart).
 */
function startNxServe({ env, onExit, quiet = false, only, root = ROOT } = {}) {
  const services = SERVICES.filter((s) => !only || only.includes(s.key));
  const nx = require.resolve('nx/bin/nx.js', { paths: [root] });
  // Its own process group: stop() reaches every process Nx started, and Ctrl-C in a terminal goes
  // to the caller, which stops the services gracefully before Nx (Nx's own Ctrl-C handling
  // kills the process trees of its tasks without waiting for their shutdown).
  const child = spawn(process.execPath, [nx, 'run-many', '-t', 'serve', '-p', services.map((s) => s.app).join(','), '--output-style=stream'], {
    cwd: root,
    env: { ...metricsPortEnv(env), ...env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_TUI: 'false' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const byApp = new Map(services.map((s) => [s.app, s]));
  const output = [];
  const stderrLines = [];
  const pipe = (stream, target) => {
    let buffered = '';
    stream.on('data', (chunk) => {
      buffered += chunk;
      const lines = buffered.split('\n');
      buffered = lines.pop();
      for (const raw of lines) {
        // --output-style=stream puts "<project>: " before each line of a task (coloured on a terminal).
        const match = /^([a-z0-9-]+): (.*)$/.exec(raw.replace(/\u001b\[[0-9;]*m/g, ''));
        const service = match ? byApp.get(match[1]) : undefined;
        const line = service ? match[2] : raw;
        output.push({ key: service?.key ?? 'nx', line, at: Date.now() });
        if (target === process.stderr) stderrLines.push(raw);
        if (!quiet && line.trim()) target.write(`[${service?.key ?? 'nx'}] ${line}\n`);
      }
    });
  };
  pipe(child.stdout, process.stdout);
  pipe(child.stderr, process.stderr);
  let stopping = false;
  child.once('exit', (code, signal) => {
    if (!stopping) onExit?.({ key: 'nx', app: 'nx run-many -t serve', child, stderrLines }, code, signal);
  });

  const ports = services.map((s) => Number(env[s.portVar] || s.defaultPort));
  const processes = services.map((service, i) => ({
    ...service,
    port: ports[i],
    /** The service process listening on its port now, or undefined while it (re)starts. */
    pid: () => listeningPid(ports[i], descendants(child.pid)),
  }));

  async function waitHealthy(timeoutMs = 120_000) {
    const deadline = Date.now() + timeoutMs;
    for (const entry of processes) {
      for (;;) {
        if (child.exitCode !== null || child.signalCode !== null) {
          throw new Error(`nx run-many -t serve exited (code ${child.exitCode}, signal ${child.signalCode}): ${output.slice(-5).map((o) => o.line).join(' | ')}`);
        }
        if ((await healthStatus(`127.0.0.1:${entry.port}`)) === 'SERVING') break;
        if (Date.now() > deadline) throw new Error(`${entry.app} not SERVING within ${timeoutMs} ms`);
        await sleep(250);
      }
    }
  }

  /**
   * SIGTERM to each service process (its graceful shutdown, as npm start's stop), SIGKILL after
   * `graceMs`; then Nx and its watchers.
   */
  async function stop(graceMs = 15_000) {
    stopping = true;
    if (child.exitCode !== null || child.signalCode !== null) return;
    // The services are the processes @nx/js:node forked with its loader: listening or not yet.
    const servicePids = descendants(child.pid).filter((pid) => processInfo(pid)?.argv.some((a) => a.endsWith('node-with-require-overrides')));
    await terminate(servicePids, 'SIGTERM', graceMs);
    const exited = new Promise((resolve) => child.once('exit', resolve));
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {
      // already gone
    }
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }, 10_000);
    await exited;
    // Nx's children (esbuild, executors) may outlive it by a moment: the group is gone when empty.
    const deadline = Date.now() + 10_000;
    while (groupAlive(child.pid) && Date.now() < deadline) await sleep(50);
    clearTimeout(timer);
    if (groupAlive(child.pid)) process.kill(-child.pid, 'SIGKILL');
  }

  return { child, processes, output, waitHealthy, stop };
}

module.exports = { startNxServe };
