/**
 * Name resolution for `*.localhost` as RFC 6761 §6.3 asks of resolver libraries (always the loopback
 * address): this machine's glibc resolver does not do it, systemd-resolved and browsers do. The simulator's
 * vaults live at `https://{vault}.vault.localhost:{port}/`, as Azure's at `https://{vault}.vault.azure.net/`,
 * so that the Key Vault SDK's challenge-resource check passes without being switched off.
 * Loaded in the simulator's process and, through NODE_OPTIONS=--import (sim.appEnv()), in the app's.
 */
import dns from 'node:dns';

const original = dns.lookup;
const LOOPBACK = [{ address: '127.0.0.1', family: 4 }];

function isLocalhostName(hostname) {
  return typeof hostname === 'string' && hostname.toLowerCase().replace(/\.$/, '').endsWith('.localhost');
}

if (!original.simulatorLocalhost) {
  const lookup = function lookup(hostname, options, callback) {
    if (!isLocalhostName(hostname)) return original.apply(this, arguments);
    const done = typeof options === 'function' ? options : callback;
    const all = typeof options === 'object' && options !== null && options.all === true;
    if (all) process.nextTick(done, null, LOOPBACK);
    else process.nextTick(done, null, LOOPBACK[0].address, LOOPBACK[0].family);
    return undefined;
  };
  lookup.simulatorLocalhost = true;
  dns.lookup = lookup;
}
