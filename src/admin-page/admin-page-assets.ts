import { existsSync } from 'node:fs';
import * as path from 'node:path';

/**
 * The admin page's static files. They live beside this module in both layouts: the sources
 * (src/admin-page/public, used by ts-node and Jest) and the build (dist/src/admin-page/public,
 * copied there by `npm run build`), so development and production serve the same files.
 */
export const ADMIN_PAGE_DIR = path.join(__dirname, 'public');

/**
 * The folder to serve, after checking the page is really there: a build that lost its assets
 * must stop at start with the fix, not answer 404 at `/` in production.
 */
export function adminPageDir(dir: string = ADMIN_PAGE_DIR): string {
  const index = path.join(dir, 'index.html');
  if (!existsSync(index)) {
    throw new Error(
      `The admin page is missing (${index} not found): build with "npm run build", which copies src/admin-page/public into dist/src/admin-page/public`,
    );
  }
  return dir;
}
