import { cleanup, configure } from '@testing-library/react';
import { afterEach } from 'vitest';

// Set up before every jsdom test file. The files share their worker (`isolate: false` in vite.config.ts), so what
// one would configure for itself would hold for the files after it: every file gets the same instead. Waits for the
// page (`findBy…`, `waitFor`) allow 5 s, not testing-library's 1 s, which a loaded CI machine can miss; and every
// test starts from an empty document.
configure({ asyncUtilTimeout: 5_000 });
afterEach(cleanup);
