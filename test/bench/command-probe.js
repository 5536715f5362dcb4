/**
 * Preloaded into the service by bench:bulk-cost and bench:events-commands (`node --require`): counts the store commands and the documents they carry,
 * split by whether they ran inside an HTTP request (the bulk call itself) or outside one (the relay, the janitors), and on
 * SIGWINCH (Nest's shutdown hooks take SIGUSR2) writes the counts and the process's CPU time to PROBE_OUT, then starts counting afresh.
 */
const { AsyncLocalStorage } = require('node:async_hooks');
const { writeFileSync } = require('node:fs');
const http = require('node:http');
const { MongoClient } = require('mongodb');

const inRequest = new AsyncLocalStorage();
let counts = {};
const started = new Map();
let cpu = process.cpuUsage();

const emit = http.Server.prototype.emit;
http.Server.prototype.emit = function (event, ...args) {
  if (event === 'request') return inRequest.run(true, () => emit.call(this, event, ...args));
  return emit.call(this, event, ...args);
};

function documentsOf(command) {
  if (Array.isArray(command.documents)) return command.documents.length;
  if (Array.isArray(command.updates)) return command.updates.length;
  if (Array.isArray(command.deletes)) return command.deletes.length;
  return 1;
}

const connect = MongoClient.prototype.connect;
MongoClient.prototype.connect = function (...args) {
  this.options.monitorCommands = true;
  this.on('commandStarted', ({ commandName, command, requestId }) => {
    const collection = typeof command[commandName] === 'string' ? command[commandName] : '';
    const key = `${inRequest.getStore() ? 'request' : 'outside'} ${commandName} ${collection}`;
    const entry = (counts[key] ??= { commands: 0, documents: 0, ms: 0 });
    entry.commands += 1;
    entry.documents += documentsOf(command);
    started.set(requestId, key);
  });
  // Round-trip time per key, so a bench can see which commands grow with the store's size.
  const finished = ({ requestId, duration }) => {
    const key = started.get(requestId);
    started.delete(requestId);
    if (key && counts[key]) counts[key].ms += duration;
  };
  this.on('commandSucceeded', finished);
  this.on('commandFailed', finished);
  return connect.apply(this, args);
};

process.on('SIGWINCH', () => {
  const used = process.cpuUsage(cpu);
  writeFileSync(process.env.PROBE_OUT, JSON.stringify({ counts, cpuMs: (used.user + used.system) / 1000 }));
  counts = {};
  cpu = process.cpuUsage();
});
