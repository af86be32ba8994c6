// Copies the admin page's static files into dist/, swapping the folder in whole: a server
// running from dist/ (npm start) keeps serving the old files until the new ones are in place,
// instead of answering 404 while a rebuild (npm run replay, a second npm start) copies them.
import * as fs from 'node:fs';
import process from 'node:process';

const source = 'src/admin-page/public';
const target = 'dist/src/admin-page/public';
const staged = `${target}.new-${process.pid}`;
const retired = `${target}.old-${process.pid}`;

fs.rmSync(staged, { recursive: true, force: true });
fs.cpSync(source, staged, { recursive: true });
if (fs.existsSync(target)) fs.renameSync(target, retired);
fs.renameSync(staged, target);
fs.rmSync(retired, { recursive: true, force: true });
