// The process table as Linux's /proc shows it: who listens on a port, with which command line,
// environment and working directory. Used to stop the Nx-served stack gracefully and by the tests
// that check npm start and the Nx stack start the same processes.
const { readdirSync, readFileSync, readlinkSync } = require('node:fs');

function readOr(file, fallback) {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return fallback;
  }
}

/** Every live process id. */
function allPids() {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map(Number);
}

/** The parent of `pid`, or undefined when it is gone. */
function parentPid(pid) {
  const stat = readOr(`/proc/${pid}/stat`, '');
  // "pid (comm) state ppid …": comm may hold spaces and parentheses, so read after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return stat ? Number(fields[1]) : undefined;
}

/** The processes below `root` (children, grandchildren, …). */
function descendants(root) {
  const children = new Map();
  for (const pid of allPids()) {
    const parent = parentPid(pid);
    if (parent === undefined) continue;
    if (!children.has(parent)) children.set(parent, []);
    children.get(parent).push(pid);
  }
  const found = [];
  const queue = [root];
  while (queue.length) {
    for (const child of children.get(queue.shift()) ?? []) {
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}

/** argv, environment and working directory of `pid`, or undefined when it is gone. */
function processInfo(pid) {
  const cmdline = readOr(`/proc/${pid}/cmdline`, '');
  if (!cmdline) return undefined;
  const env = {};
  for (const entry of readOr(`/proc/${pid}/environ`, '').split('\0')) {
    const eq = entry.indexOf('=');
    if (eq > 0) env[entry.slice(0, eq)] = entry.slice(eq + 1);
  }
  let cwd;
  try {
    cwd = readlinkSync(`/proc/${pid}/cwd`);
  } catch {
    return undefined;
  }
  return { pid, argv: cmdline.split('\0').slice(0, -1), env, cwd };
}

/** Socket inodes listening on TCP `port` (IPv4 and IPv6). */
function listeningInodes(port) {
  const inodes = new Set();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readOr(table, '').split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      // local_address is HEX_IP:HEX_PORT; state 0A is LISTEN.
      if (cols.length > 9 && cols[3] === '0A' && parseInt(cols[1].split(':')[1], 16) === port) inodes.add(cols[9]);
    }
  }
  return inodes;
}

/** The process listening on TCP `port`, searched among `candidates` (default: every process). */
function listeningPid(port, candidates = allPids()) {
  const inodes = listeningInodes(port);
  if (inodes.size === 0) return undefined;
  for (const pid of candidates) {
    let fds = [];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      let target = '';
      try {
        target = readlinkSync(`/proc/${pid}/fd/${fd}`);
      } catch {
        continue;
      }
      const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
      if (inode && inodes.has(inode)) return pid;
    }
  }
  return undefined;
}

module.exports = { descendants, processInfo, listeningPid };
