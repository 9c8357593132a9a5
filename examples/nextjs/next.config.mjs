/** @type {import('next').NextConfig} */
const config = {
  // The gateway is a Node server package with a native SQLite driver: load it from node_modules, do not bundle it.
  serverExternalPackages: ['@insforge/ai-server', 'better-sqlite3'],
};
export default config;
