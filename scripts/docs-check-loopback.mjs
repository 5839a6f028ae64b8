// docs-check-loopback: preloaded (NODE_OPTIONS=--import) into every command docs-check runs, so a documented command
// can reach only this machine: a TCP connection to any host but loopback fails before a packet is sent, whatever the
// scenario says. The environment already carries no API key; this keeps a keyless endpoint out of reach too.
import net from 'node:net';

const connect = net.Socket.prototype.connect;

// isLoopback: the hosts a command may connect to.
function isLoopback(host) {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

// hostOf: the host a Socket#connect call asks for (public forms and Node's internal normalised [options, cb] form);
// null for a Unix socket or pipe path.
function hostOf(args) {
  const first = Array.isArray(args[0]) ? args[0][0] : args[0];
  if (first && typeof first === 'object') return first.path !== undefined ? null : (first.host ?? 'localhost');
  if (typeof first === 'number' || /^\d+$/.test(String(first))) return typeof args[1] === 'string' ? args[1] : 'localhost';
  return null;
}

net.Socket.prototype.connect = function guardedConnect(...args) {
  const host = hostOf(args);
  if (host !== null && !isLoopback(host)) {
    const err = Object.assign(new Error(`docs-check: connect to ${host} refused (a documented command reaches loopback only)`), {
      code: 'ECONNREFUSED',
    });
    process.nextTick(() => this.destroy(err));
    return this;
  }
  return connect.apply(this, args);
};
