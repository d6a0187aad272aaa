// The cleanup of a test process that outlives it, however it ends: SIGKILL included.
//
// Started detached (a process group of its own) by test/support/processes.ts, with a pipe
// on stdin whose other end only the test process holds. The test process writes one JSON
// line per thing to clean up ({"key", "pid", "dirs"} for a server process, {"key",
// "container"} for a Docker container, {"key", "netns", "dirs"} for network namespaces and
// the directories of a cluster) and a {"forget": key} line once it removed it itself.
// When the pipe ends (the test process exited, threw, or was killed), everything still
// listed is killed or removed, and the watchdog exits.
//
// A process is killed only if it is still the one that was listed: its start time in
// /proc/<pid>/stat, read when the line arrives (just after the spawn), must not have
// changed, so a reused pid is never hit.
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';

const GIVE_UP_MS = 60_000;
const listed = new Map();
let input = '';

process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => {
  input += chunk;
  for (let end = input.indexOf('\n'); end !== -1; end = input.indexOf('\n')) {
    const line = input.slice(0, end);
    input = input.slice(end + 1);
    if (line.trim() === '') continue;
    const entry = JSON.parse(line);
    if (entry.forget !== undefined) listed.delete(entry.forget);
    else listed.set(entry.key, entry.pid === undefined ? entry : { ...entry, startTime: startTime(entry.pid) });
  }
});
process.stdin.on('close', () => {
  setTimeout(() => process.exit(0), GIVE_UP_MS).unref();
  cleanUp().finally(() => process.exit(0));
});

async function cleanUp() {
  const containers = [];
  const entries = [...listed.values()];
  // Processes first: a namespace or a directory goes once nothing runs in it.
  for (const entry of entries) {
    if (entry.pid !== undefined && entry.startTime !== undefined && startTime(entry.pid) === entry.startTime) {
      try {
        process.kill(entry.pid, 'SIGKILL');
      } catch {}
    }
  }
  for (const entry of entries) {
    for (const namespace of entry.netns ?? []) {
      try {
        execFileSync('ip', ['netns', 'del', namespace], { stdio: 'ignore' });
      } catch {}
    }
    for (const dir of entry.dirs ?? []) rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
    if (entry.container !== undefined) containers.push(entry.container);
  }
  if (containers.length === 0) return;
  // Loaded only when there is a container: the same Docker host the test process asked.
  const { getContainerRuntimeClient } = await import('testcontainers');
  const client = await getContainerRuntimeClient();
  await Promise.all(
    containers.map((id) =>
      client.container
        .getById(id)
        .remove({ force: true, v: true })
        .catch(() => {}),
    ),
  );
}

/** Field 22 of /proc/<pid>/stat (after the parenthesised command, which may hold spaces), or undefined. */
function startTime(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}
