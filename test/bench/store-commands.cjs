// Preloaded into the service by bench:events-commands (NODE_OPTIONS=--require): counts the store
// commands the MongoDB driver sends, by command and collection, and the process's CPU time; on
// SIGWINCH (a signal Nest's shutdown hooks leave alone) writes them to STORE_COMMANDS_FILE.
const fs = require('node:fs');
const { Connection } = require(require.resolve('mongodb/lib/cmap/connection.js', { paths: [process.cwd()] }));

const HANDSHAKES = new Set(['hello', 'isMaster', 'ismaster', 'ping', 'endSessions', 'saslStart', 'saslContinue', 'buildInfo']);
const counts = {};
const command = Connection.prototype.command;
Connection.prototype.command = function (ns, cmd, ...rest) {
  const name = Object.keys(cmd)[0];
  if (!HANDSHAKES.has(name)) {
    const key = typeof cmd[name] === 'string' ? `${name} ${cmd[name]}` : name;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return command.call(this, ns, cmd, ...rest);
};
process.on('SIGWINCH', () => {
  const cpu = process.cpuUsage();
  fs.writeFileSync(process.env.STORE_COMMANDS_FILE, JSON.stringify({ cpuMs: (cpu.user + cpu.system) / 1000, counts }));
});
