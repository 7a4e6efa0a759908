import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
const c0 = cpu();
const { analyzeMbox } = await import('/work/main/dist/src/analysis/analyze.js');
const c1 = cpu();
function walk(d, out=[]) { for (const n of readdirSync(d).sort()) { const p=join(d,n); if (statSync(p).isDirectory()) walk(p,out); else out.push(p);} return out; }
const out=[];
for (const copy of [1,2,3,4,5]) { const files = walk('/tmp/an5/copy'+copy).map(p => readFileSync(p)); const s=cpu(); for (const b of files) analyzeMbox(b); out.push((cpu()-s).toFixed(0)); }
console.log('import', (c1-c0).toFixed(0), 'per copy of 629 files:', out.join(' '));
