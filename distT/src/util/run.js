// Running commands and reporting progress, one line per stage with its time.
import { spawn, spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
/** An error whose message tells the user what went wrong and how to fix it. */
export class UserError extends Error {
}
const stageTimes = [];
/** Runs `fn` as a named stage, printing its start and elapsed time. */
export async function stage(name, fn) {
    const start = Date.now();
    process.stdout.write(`==> ${name}\n`);
    try {
        return await fn();
    }
    finally {
        const seconds = (Date.now() - start) / 1000;
        stageTimes.push({ name, seconds });
        process.stdout.write(`    ${name}: ${seconds.toFixed(1)} s\n`);
    }
}
export function stageSummary() {
    return [...stageTimes];
}
/** Runs a command to completion; throws with the tail of its output on failure. */
export async function run(cmd, args, opts = {}) {
    const child = spawn(cmd, args, {
        cwd: opts.cwd,
        env: opts.env ?? process.env,
        stdio: opts.inherit ? 'inherit' : ['ignore', 'pipe', 'pipe'],
    });
    let tail = '';
    if (opts.logFile)
        mkdirSync(dirname(opts.logFile), { recursive: true });
    const log = opts.logFile ? createWriteStream(opts.logFile, { flags: 'a' }) : undefined;
    const keep = (chunk) => {
        log?.write(chunk);
        // Keep the end of the output, without terminal colours, for the error message.
        tail = (tail + chunk.toString().replace(/\x1b\[[0-9;]*m|\x1b\(B/g, '')).slice(-3000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    const code = await new Promise((resolve, reject) => {
        child.on('error', reject);
        child.on('close', (c) => resolve(c ?? 1));
    });
    await new Promise((resolve) => (log ? log.end(resolve) : resolve()));
    if (code !== 0) {
        const where = opts.logFile ? `\n(full output: ${opts.logFile})` : '';
        throw new UserError(`${cmd} ${args.join(' ')} failed with status ${code}:\n${tail}${where}`);
    }
}
/** Runs a quick command and returns its stdout, or undefined if it failed to run. */
export function capture(cmd, args, opts = {}) {
    const r = spawnSync(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, encoding: 'utf8', maxBuffer: 64 << 20 });
    if (r.error)
        return { code: 127, stdout: '', stderr: String(r.error) };
    return { code: r.status ?? 1, stdout: r.stdout, stderr: r.stderr };
}
/** Relative paths of the regular files under `dir` (empty if it does not exist), sorted. */
export function listFilesUnder(dir) {
    const out = [];
    const walk = (d) => {
        for (const e of readdirSync(d, { withFileTypes: true })) {
            const p = join(d, e.name);
            if (e.isDirectory())
                walk(p);
            else if (e.isFile())
                out.push(relative(dir, p));
        }
    };
    if (existsSync(dir))
        walk(dir);
    return out.sort();
}
//# sourceMappingURL=run.js.map