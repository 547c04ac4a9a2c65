// Preloaded (node --require) by startup.mjs into every timed process alike: on exit,
// the process's CPU time (user + system, all threads, ms) goes to stderr.
process.on('exit', () => {
  const u = process.cpuUsage();
  process.stderr.write(`\n@@cpu ${(u.user + u.system) / 1000}\n`);
});
