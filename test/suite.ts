import { afterAll, beforeAll } from 'vitest';
import type { DbHandle } from '../db/client';
import { makeTempDir, removeDir } from '../server/engine/testing/scripts';
import type { Runtime } from '../server/runtime';
import { openTestDb } from './db';
import { makeTestRuntime, type TestCaller, type TestRuntimeOptions } from './test-runtime';

export interface TestSuiteOptions extends TestRuntimeOptions {
  /** The Origin header of the suite's callers (default none). */
  origin?: string;
}

/** A test file's runtime: its fields are set in the suite's beforeAll, so read them inside hooks and tests. */
export interface TestSuite {
  /** The file's temporary directory (removed after its tests). */
  readonly tmp: string;
  readonly handle: DbHandle;
  readonly rt: Runtime;
  /** One caller signed in as TEST_PRINCIPAL, from the suite's origin. */
  readonly api: TestCaller;
  /** A new signed-in caller, from the suite's origin. */
  caller(): TestCaller;
  /** A new caller holding no session or token (a share link's visitor), from the suite's origin. */
  visitor(): TestCaller;
}

/**
 * The setup most API tests share: a temporary directory named after `prefix`,
 * a fresh test database and a test runtime over them, made before the file's
 * tests and taken down after them (the runtime, then the database, then the
 * directory). Hooks the file registers after calling this run after its setup
 * and before its teardown. `options` may depend on the directory.
 */
export function useTestRuntime(prefix: string, options: TestSuiteOptions | ((tmp: string) => TestSuiteOptions) = {}): TestSuite {
  let tmp: string | undefined;
  let handle: DbHandle | undefined;
  let made: ReturnType<typeof makeTestRuntime> | undefined;
  let origin: string | undefined;
  let api: TestCaller | undefined;

  beforeAll(async () => {
    tmp = await makeTempDir(prefix);
    handle = await openTestDb();
    const o = typeof options === 'function' ? options(tmp) : options;
    origin = o.origin;
    made = makeTestRuntime(handle, tmp, o);
    api = made.caller(origin);
  });
  afterAll(async () => {
    await made?.rt.shutdown();
    await handle?.close();
    if (tmp !== undefined) await removeDir(tmp);
  });

  return {
    get tmp() {
      return ready(tmp, 'tmp');
    },
    get handle() {
      return ready(handle, 'handle');
    },
    get rt() {
      return ready(made, 'rt').rt;
    },
    get api() {
      return ready(api, 'api');
    },
    caller: () => ready(made, 'caller').caller(origin),
    visitor: () => ready(made, 'visitor').anonymous(origin),
  };
}

function ready<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`the test suite's ${what} is made in beforeAll: read it inside a hook or a test`);
  return value;
}
