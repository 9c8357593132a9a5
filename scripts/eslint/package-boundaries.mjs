// An ESLint rule: a relative import must stay inside the package of the file that makes it. Another package is
// imported by its name and one of its `exports` (`@insforge/ai-server/testing`), so what a package offers is what
// its package.json says, and a move inside one package cannot break another.
import { existsSync } from 'node:fs';
import path from 'node:path';

const packageRoots = new Map();

/** The folder of the nearest package.json above `directory`. */
function packageRootOf(directory) {
  const known = packageRoots.get(directory);
  if (known !== undefined) return known;
  const parent = path.dirname(directory);
  const root = existsSync(path.join(directory, 'package.json')) || parent === directory ? directory : packageRootOf(parent);
  packageRoots.set(directory, root);
  return root;
}

/** The repository's own tooling (the private root package's `scripts/`) serves every package's tests and builds. */
const isRepositoryTooling = (root, target) => !existsSync(path.join(root, 'pnpm-workspace.yaml')) ? false : path.relative(root, target).split(path.sep)[0] === 'scripts';

export const packageBoundaries = {
  meta: {
    type: 'problem',
    docs: { description: 'Forbid relative imports that leave the importing file’s package.' },
    schema: [],
    messages: { leaves: 'This import leaves its package ({{from}}) for {{to}}: import that package by name and one of its exports instead.' },
  },
  create(context) {
    const file = context.filename;
    const own = packageRootOf(path.dirname(file));
    const check = (node) => {
      const source = node.source?.value;
      if (typeof source !== 'string' || !source.startsWith('.')) return;
      const target = path.resolve(path.dirname(file), source.split('?')[0]);
      if ((target + path.sep).startsWith(own + path.sep)) return;
      const theirs = packageRootOf(path.dirname(target));
      if (isRepositoryTooling(theirs, target)) return;
      context.report({ node: node.source, messageId: 'leaves', data: { from: path.basename(own), to: path.relative(own, target) } });
    };
    return { ImportDeclaration: check, ExportNamedDeclaration: check, ExportAllDeclaration: check, ImportExpression: check };
  },
};

export default { rules: { 'package-boundaries': packageBoundaries } };
