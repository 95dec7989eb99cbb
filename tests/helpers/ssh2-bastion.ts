/**
 * The bastion where OpenSSH's sshd cannot run: the ssh2 package's own server, run as a child
 * process (so a test can kill it like sshd). It authenticates one user by public key (signature
 * checked against the authorized keys) or password, and forwards direct-tcpip channels unless
 * forwarding is off (then the client sees "administratively prohibited", as from sshd).
 * Started by tests/helpers/sshd.ts with its settings as JSON in BASTION_SPEC; prints "listening".
 */
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { Server, utils, type AuthContext, type Connection } from 'ssh2';

interface Spec {
  port: number;
  user: string;
  password: string;
  hostKeys: string[];
  authorizedKeys: string[];
  forwarding: boolean;
}

const spec = JSON.parse(process.env.BASTION_SPEC ?? '{}') as Spec;
const authorized = new Map(spec.authorizedKeys.map((line) => [line.split(/\s+/)[1], line]));

function authenticate(ctx: AuthContext): void {
  if (ctx.username !== spec.user) return ctx.reject();
  if (ctx.method === 'password' && ctx.password === spec.password) return ctx.accept();
  if (ctx.method === 'publickey') {
    const line = authorized.get(ctx.key.data.toString('base64'));
    if (line && !ctx.signature) return ctx.accept(); // the client asks whether this key would do
    const key = line ? utils.parseKey(line) : undefined;
    if (key && !(key instanceof Error) && ctx.signature && ctx.blob) {
      const parsed = Array.isArray(key) ? key[0] : key;
      if (parsed.verify(ctx.blob, ctx.signature, ctx.hashAlgo) === true) return ctx.accept();
    }
  }
  ctx.reject(['publickey', 'password']);
}

function serve(client: Connection): void {
  client.on('authentication', authenticate);
  client.on('error', () => undefined);
  client.on('ready', () => {
    if (!spec.forwarding) return;
    client.on('tcpip', (accept, reject, info) => {
      const upstream = connect(info.destPort, info.destIP);
      upstream.once('error', () => reject());
      upstream.once('connect', () => {
        const channel = accept();
        upstream.removeAllListeners('error');
        upstream.on('error', () => channel.destroy());
        channel.on('error', () => upstream.destroy());
        channel.pipe(upstream).pipe(channel);
      });
    });
  });
}

const server = new Server({ hostKeys: spec.hostKeys.map((path) => readFileSync(path)) }, serve);
server.listen(spec.port, '127.0.0.1', () => process.stdout.write('listening\n'));
