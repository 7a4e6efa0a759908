#!/usr/bin/env node
// The `warden` command. It runs the compiled build in dist/ (`npm run build`, which `npm ci` and
// `npm install` run through the prepare script); the TypeScript sources are not needed at run time.
try {
  await import('../dist/src/cli/process.js');
} catch (error) {
  if (error?.code === 'ERR_MODULE_NOT_FOUND' && String(error.message).includes('/dist/src/cli/process.js')) {
    process.stderr.write('warden: the compiled build (dist/) is missing: run `npm run build` in the package folder\n');
    process.exit(1);
  }
  throw error;
}
