// kunitSuiteFor612: 6.12 has no #[kunit_tests], so a suite becomes a kunit_suite! list.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kunitSuiteFor612 } from '../../src/commands/backport.js';
test('a #[kunit_tests] module becomes a kunit_suite! list of its cases, without #[test]', () => {
    const mainline = [
        'use super::*;',
        '',
        '#[macros::kunit_tests(rust_net_x)]',
        'mod cases {',
        '    use super::*;',
        '',
        '    #[test]',
        '    fn first() -> TestResult {',
        '        Ok(())',
        '    }',
        '',
        '    fn helper() {}',
        '',
        '    #[test]',
        '    fn second() -> TestResult {',
        '        Ok(())',
        '    }',
        '}',
        '',
    ].join('\n');
    const out = kunitSuiteFor612(mainline);
    assert.ok(!out.includes('#[test]') && !out.includes('kunit_tests'));
    assert.match(out, /kunit_suite!\(\n {8}b"rust_net_x",\n {8}\[\n {12}first,\n {12}second,\n {8}\]\n {4}\);\n\}\n$/);
    assert.ok(out.includes('    fn helper() {}'));
});
test('a file without a suite is left as it is', () => {
    assert.equal(kunitSuiteFor612('fn f() {}\n'), 'fn f() {}\n');
});
//# sourceMappingURL=backport.test.js.map