// Fragment parsing and verification of the resulting .config.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseFragment, verifyConfig } from '../../src/kernel/kconfig.js';
test('parses set, string and unset options, ignoring comments', () => {
    const opts = parseFragment('# a comment\nCONFIG_RUST=y\nCONFIG_CMDLINE="x y"\n# CONFIG_MODVERSIONS is not set\n', 'f');
    assert.deepEqual(opts.map((o) => [o.name, o.value]), [['CONFIG_RUST', 'y'], ['CONFIG_CMDLINE', '"x y"'], ['CONFIG_MODVERSIONS', 'n']]);
});
test('reports every option that did not take effect, naming its fragment', () => {
    const frag = parseFragment('CONFIG_RUST=y\nCONFIG_NET=y\nCONFIG_KUNIT=y\n', 'base.config');
    const bad = verifyConfig(frag, 'CONFIG_NET=y\n# CONFIG_RUST is not set\n');
    assert.deepEqual(bad.map((b) => `${b.option.name}:${b.actual}:${b.option.fragment}`), ['CONFIG_RUST:n:base.config', 'CONFIG_KUNIT:n:base.config']);
});
test('later fragments override earlier ones', () => {
    const frag = [...parseFragment('CONFIG_KASAN=y\n', 'a'), ...parseFragment('# CONFIG_KASAN is not set\n', 'b')];
    assert.deepEqual(verifyConfig(frag, ''), []);
});
test('a clean config verifies', () => {
    assert.deepEqual(verifyConfig(parseFragment('CONFIG_NET=y\n# CONFIG_X is not set\n', 'f'), 'CONFIG_NET=y\n'), []);
});
//# sourceMappingURL=kconfig.test.js.map