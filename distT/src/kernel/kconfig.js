// Kernel configuration: tinyconfig plus the project's fragments, verified.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { CONFIGS_DIR } from '../util/paths.js';
import { UserError, run } from '../util/run.js';
export function parseFragment(text, fragment) {
    const out = [];
    for (const raw of text.split('\n')) {
        const line = raw.trim();
        let m = /^(CONFIG_[A-Za-z0-9_]+)=(.*)$/.exec(line);
        if (m) {
            out.push({ name: m[1], value: m[2], fragment });
            continue;
        }
        m = /^# (CONFIG_[A-Za-z0-9_]+) is not set$/.exec(line);
        if (m)
            out.push({ name: m[1], value: 'n', fragment });
    }
    return out;
}
/** Values in a .config; unset options read as 'n'. */
export function parseDotConfig(text) {
    const values = new Map();
    for (const opt of parseFragment(text, '.config'))
        values.set(opt.name, opt.value);
    return values;
}
/** Options of the fragments that did not take effect in `.config` (later fragments win). */
export function verifyConfig(fragments, dotConfig) {
    const wanted = new Map();
    for (const o of fragments)
        wanted.set(o.name, o);
    const actual = parseDotConfig(dotConfig);
    const bad = [];
    for (const o of wanted.values()) {
        const got = actual.get(o.name) ?? 'n';
        if (got !== o.value)
            bad.push({ option: o, actual: got });
    }
    return bad;
}
export function loadFragments(names) {
    const paths = names.map((n) => join(CONFIGS_DIR, n));
    const h = createHash('sha256');
    const options = [];
    for (const p of paths) {
        const text = readFileSync(p, 'utf8');
        h.update(p).update(text);
        options.push(...parseFragment(text, p));
    }
    return { options, paths, digest: h.digest('hex') };
}
/**
 * Writes `.config` in `build` from tinyconfig and the fragments, unless the
 * fragments are unchanged since the last time. Fails naming every option that
 * did not stick; `explain` adds context (e.g. `make rustavailable` output).
 */
export async function configure(make, tree, build, fragmentNames, explain) {
    const { options, paths, digest } = loadFragments(fragmentNames);
    const stamp = join(build, '.knet-config-digest');
    const dotConfig = join(build, '.config');
    if (existsSync(stamp) && existsSync(dotConfig) && readFileSync(stamp, 'utf8') === digest)
        return false;
    mkdirSync(build, { recursive: true });
    await make(['tinyconfig']);
    await run(join(tree, 'scripts/kconfig/merge_config.sh'), ['-m', '-O', build, dotConfig, ...paths], { cwd: tree });
    await make(['olddefconfig']);
    const bad = verifyConfig(options, readFileSync(dotConfig, 'utf8'));
    if (bad.length) {
        const lines = bad.map((b) => `${b.option.name}=${b.option.value} (from ${b.option.fragment}) ended up as ${b.actual}`);
        const rust = bad.some((b) => b.option.name === 'CONFIG_RUST') ? `\n\nmake rustavailable says:\n${explain()}` : '';
        throw new UserError(`kernel config options did not take effect:\n  ${lines.join('\n  ')}${rust}\nfix: check their dependencies with 'make menuconfig' (search with /) and add what they need to the fragment`);
    }
    writeFileSync(stamp, digest);
    return true;
}
//# sourceMappingURL=kconfig.js.map