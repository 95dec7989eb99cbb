/**
 * A real SSH bastion for the tunnel tests, started per test file: OpenSSH's `sshd -D -f <generated
 * config>` on a free port with its own host keys, authorized keys, user and TCP forwarding. When
 * sshd is missing, it is installed from Debian's openssh-server package when the tests run as
 * root with apt-get; otherwise (or with TAP_TEST_BASTION=ssh2) the ssh2 package's own server
 * (tests/helpers/ssh2-bastion.ts) plays the bastion. A password needs a system user with one:
 * as root sshd gets a user of its own (useradd, chpasswd); without root, a bastion that must
 * accept a password is the ssh2 one.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, rmdirSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { freePort } from './cluster';
import { descendants, tcpLocalPorts } from './proc-sockets';
import { makeKeys, type TestKeys } from './ssh-keys';

export interface Bastion {
  kind: 'openssh' | 'ssh2';
  host: string;
  port: number;
  user: string;
  /** The user's password; '' when password login is not possible on this bastion. */
  password: string;
  keys: TestKeys;
  /** The bastion's public host keys, `type base64` each. */
  hostKeys: string[];
  /** Local ports of the bastion's TCP sockets now (a backend whose client port is one of them was reached through it). */
  localPorts(): Set<number>;
  /** SIGKILLs the bastion and every session process it forked. */
  kill(): void;
  stop(): Promise<void>;
}

export interface BastionOptions {
  /** The system user sshd lets in when run as root (created when missing). */
  user: string;
  /** TCP forwarding allowed (default true). */
  forwarding?: boolean;
  /** Password login is needed: without root, this means the ssh2 bastion. */
  password?: boolean;
}

const SSHD_CANDIDATES = ['/usr/sbin/sshd', '/usr/local/sbin/sshd'];
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

function commandPath(name: string): string | undefined {
  try {
    return execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

/** One installer at a time across the parallel test files (apt and dpkg take locks of their own). */
function withInstallLock(action: () => void): void {
  const lock = join(tmpdir(), 'tap-postgres-ts-openssh-install.lock');
  const deadline = Date.now() + 300_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${lock}`);
      execFileSync('sleep', ['1']);
    }
  }
  try {
    action();
  } finally {
    rmdirSync(lock);
  }
}

/** sshd's absolute path (it re-executes itself), installing openssh-server when possible. */
export function findSshd(): string | undefined {
  const present = (): string | undefined => SSHD_CANDIDATES.find((path) => existsSync(path)) ?? commandPath('sshd');
  if (present() || !isRoot || !commandPath('apt-get')) return present();
  withInstallLock(() => {
    if (present()) return;
    execFileSync('sh', ['-c', 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends openssh-server'], { stdio: ['ignore', 'ignore', 'inherit'] });
  });
  return present();
}


/** Resolves once the port answers with an SSH banner. */
async function waitForBanner(port: number, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`bastion exited (${child.exitCode}): ${log()}`);
    const ok = await new Promise<boolean>((resolve) => {
      const socket = createConnection(port, '127.0.0.1');
      socket.once('data', (data) => {
        socket.destroy();
        resolve(data.toString('latin1').startsWith('SSH-'));
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`bastion did not answer on port ${port}: ${log()}`);
}

/** One password per user in this process: two bastions for the same user must not reset it. */
const passwords = new Map<string, string>();
function passwordOf(user: string): string {
  if (!passwords.has(user)) passwords.set(user, `pw-${randomBytes(9).toString('base64url')}`);
  return passwords.get(user) as string;
}

function ensureUser(user: string, password: string): void {
  try {
    execFileSync('id', ['-u', user], { stdio: 'ignore' });
  } catch {
    execFileSync('useradd', ['--no-create-home', '--shell', '/bin/sh', user], { stdio: 'ignore' });
  }
  execFileSync('chpasswd', { input: `${user}:${password}\n` });
}

function sshdConfig(dir: string, port: number, keys: TestKeys, user: string, forwarding: boolean): string {
  return [
    `Port ${port}`,
    'ListenAddress 127.0.0.1',
    ...keys.hostKeys.map((key) => `HostKey ${key.path}`),
    `PidFile ${join(dir, 'sshd.pid')}`,
    `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
    'StrictModes no',
    'UsePAM no',
    'PubkeyAuthentication yes',
    'PasswordAuthentication yes',
    'KbdInteractiveAuthentication no',
    `AllowTcpForwarding ${forwarding ? 'yes' : 'no'}`,
    `AllowUsers ${user}`,
    'PermitRootLogin no',
    'LogLevel ERROR',
    '',
  ].join('\n');
}

export async function startBastion(options: BastionOptions): Promise<Bastion> {
  const dir = mkdtempSync(join(tmpdir(), 'tap-bastion-'));
  chmodSync(dir, 0o755); // sshd reads the authorized keys as the user
  const keys = makeKeys(dir);
  const authorizedKeys = Object.values(keys.user).map((key) => key.publicKey);
  writeFileSync(join(dir, 'authorized_keys'), authorizedKeys.join('\n') + '\n', { mode: 0o644 });
  const forwarding = options.forwarding ?? true;
  const port = await freePort();
  const password = passwordOf(options.user);
  const sshd = process.env.TAP_TEST_BASTION === 'ssh2' || (options.password && !isRoot) ? undefined : findSshd();
  let child: ChildProcess;
  let user = options.user;
  if (sshd) {
    if (isRoot) {
      ensureUser(user, password);
      mkdirSync('/run/sshd', { recursive: true, mode: 0o755 }); // privilege separation directory
    } else {
      user = userInfo().username;
    }
    writeFileSync(join(dir, 'sshd_config'), sshdConfig(dir, port, keys, user, forwarding));
    child = spawn(sshd, ['-D', '-e', '-f', join(dir, 'sshd_config')], { stdio: ['ignore', 'ignore', 'pipe'] });
  } else {
    const spec = { port, user, password, hostKeys: keys.hostKeys.map((key) => key.path), authorizedKeys, forwarding };
    child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', join(__dirname, 'ssh2-bastion.ts')], {
      cwd: join(__dirname, '..', '..'),
      env: { ...process.env, BASTION_SPEC: JSON.stringify(spec) },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
  }
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const kill = (): void => {
    if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
    for (const pid of [child.pid, ...descendants(child.pid)]) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  };
  try {
    await waitForBanner(port, child, () => stderr);
  } catch (error) {
    kill();
    throw error;
  }
  return {
    kind: sshd ? 'openssh' : 'ssh2',
    host: '127.0.0.1',
    port,
    user,
    password: sshd && !isRoot ? '' : password,
    keys,
    hostKeys: keys.hostKeys.map((key) => key.publicKey),
    localPorts: () => (child.pid === undefined ? new Set() : tcpLocalPorts([child.pid, ...descendants(child.pid)])),
    kill,
    async stop() {
      kill();
      if (child.exitCode === null && child.signalCode === null) await new Promise((resolve) => child.once('exit', resolve));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
