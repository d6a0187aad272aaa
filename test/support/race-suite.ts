/**
 * The race scenarios of test/races.test.ts, as a function, so that every server runs the
 * same ones (races.test.ts on memory, fs and MinIO; seaweedfs.test.ts and
 * versitygw.test.ts on those gateways):
 *
 * - 200 concurrent saves of one name give 200 distinct names, each holding exactly its
 *   own bytes (sha256), and nothing else is stored;
 * - saves and deletes of different names, interleaved with listings, never lose an
 *   object: every listing shows every object that was not being deleted and whose save
 *   had completed when the listing began, and the end state is exactly what was asked.
 */
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { collect, mapLimit, sha256 } from '../../contracts/context.js';
import type { Storage } from '../../src/storage.js';
import type { Target, TargetFactory } from './targets.js';

export const SAVES = 200;
const KEEPERS = 150;
const VICTIMS = 100;
const NEWCOMERS = 100;
const LISTERS = 4;
/** Operations in flight during the churn, each after a pause of up to 10 ms, so that listings interleave. */
const CHURN_CONCURRENCY = 8;

/** Registers and runs the race suite on the target `factory` builds; one line per scenario goes to `figures`. */
export function raceSuite(factory: TargetFactory, figures: string[]): void {
  const test = suite(`${factory.name}: races`);
  let target: Target;
  test.before(async () => {
    target = await factory.create();
  });
  test.after(() => target.cleanup());

  test(`${SAVES} concurrent saves of one name: ${SAVES} names, each with exactly its own bytes`, async () => {
    const { storage } = target;
    // Every fifth content is a stream, so that both write paths race.
    const contents = Array.from({ length: SAVES }, (_, i) => randomBytes(2048 + i));
    const names = await Promise.all(
      contents.map((bytes, i) => storage.save('race/same.bin', i % 5 === 0 ? Readable.from([bytes]) : bytes)),
    );
    assert.is(new Set(names).size, SAVES, 'distinct names');
    assert.ok(names.includes('race/same.bin'), 'one save got the name itself');
    for (const name of names) assert.match(name, /^race\/same(_[A-Za-z0-9]{7})?\.bin$/);
    let wrong = 0;
    await mapLimit([...names.entries()], 16, async ([i, name]) => {
      const stored = await (await storage.open(name)).bytes();
      if (sha256(stored) !== sha256(contents[i] as Buffer)) wrong++;
    });
    assert.is(wrong, 0, 'objects holding another save’s bytes');
    const listed = (await collect(storage.list('race'))).map((file) => file.name).sort();
    assert.equal(listed, [...names].sort(), 'exactly the saved objects, nothing more');
    figures.push(
      `${factory.name}: ${SAVES} concurrent saves of one name → ${new Set(names).size} names, ${wrong} with wrong bytes, ${listed.length - names.length} extra objects`,
    );
  });

  test('saves and deletes of different names interleaved with listings never lose an object', async () => {
    const { storage } = target;
    const bytes = new Map<string, Buffer>();
    const put = async (name: string) => {
      const content = randomBytes(512 + Math.floor(Math.random() * 1024));
      const stored = await storage.save(name, content);
      assert.is(stored, name, 'no collision among distinct names');
      bytes.set(name, content);
    };
    const keepers = Array.from({ length: KEEPERS }, (_, i) => `churn/keep/k${i}.bin`);
    const victims = Array.from({ length: VICTIMS }, (_, i) => `churn/${i % 10}/v${i}.bin`);
    const newcomers = Array.from({ length: NEWCOMERS }, (_, i) => `churn/${i % 10}/n${i}.bin`);
    await mapLimit([...keepers, ...victims], CHURN_CONCURRENCY, put);

    const saved = new Set<string>();
    let churning = true;
    let listings = 0;
    let lost = 0;
    const lister = async () => {
      while (churning) {
        // A macrotask between listings: memfs answers from microtasks, which would starve the churn's timers.
        await new Promise((resolve) => setImmediate(resolve));
        // What must be listed: every keeper, and every newcomer saved before the listing began.
        const expected = [...keepers, ...saved];
        const listed = new Set((await collect(storage.list('churn'))).map((file) => file.name));
        listings++;
        for (const name of expected) if (!listed.has(name)) lost++;
        for (const name of listed) {
          assert.ok(bytes.has(name) || newcomers.includes(name), `listed an unknown object ${name}`);
        }
      }
    };
    const churn = mapLimit(
      [...victims.map((name) => ['delete', name] as const), ...newcomers.map((name) => ['save', name] as const)].sort(
        () => Math.random() - 0.5,
      ),
      CHURN_CONCURRENCY,
      async ([action, name]) => {
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 10));
        if (action === 'save') {
          await put(name);
          saved.add(name);
        } else {
          await storage.delete(name);
        }
      },
    ).finally(() => {
      churning = false;
    });
    await Promise.all([churn, ...Array.from({ length: LISTERS }, lister)]);
    assert.is(lost, 0, 'objects missing from a listing');
    assert.ok(listings >= LISTERS, `listings: ${listings}`);

    const final = (await collect(storage.list('churn'))).map((file) => file.name).sort();
    assert.equal(final, [...keepers, ...newcomers].sort(), 'exactly keepers and newcomers remain');
    let wrong = 0;
    await mapLimit(final, 16, async (name) => {
      if (!(await readsBack(storage, name, bytes.get(name)))) wrong++;
    });
    assert.is(wrong, 0, 'objects with wrong bytes');
    figures.push(
      `${factory.name}: churn of ${NEWCOMERS} saves and ${VICTIMS} deletes among ${KEEPERS} untouched objects, ${listings} listings during it → ${lost} lost, ${wrong} with wrong bytes`,
    );
  });

  test.run();
}

/** Prints `figures` as `[reliability] <label>: ...` lines, in a suite of their own. */
export function reportFigures(label: string, figures: readonly string[]): void {
  const test = suite(`${label}: figures`);
  test('print', () => {
    for (const line of figures) console.log(`[reliability] ${label}: ${line}`);
  });
  test.run();
}

async function readsBack(storage: Storage, name: string, expected: Buffer | undefined): Promise<boolean> {
  if (expected === undefined) return false;
  return sha256(await (await storage.open(name)).bytes()) === sha256(expected);
}
