// How every browser test and benchmark here starts Chromium: Debian's build (CHROMIUM_PATH overrides it), headless,
// with nothing that talks to the network on its own (a closed network refuses those connections, many at a time).
// Playwright adds a fresh temporary --user-data-dir of its own for each launch.

export const CHROMIUM_EXECUTABLE = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
