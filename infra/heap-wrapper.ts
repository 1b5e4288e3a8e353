/**
 * The young generation every function runs with, and the wrapper script that sets it.
 *
 * Lambda's Node bootstrap starts a function with `--max-semi-space-size` at a twentieth of its memory (12 MiB
 * at 256 MB). A sweep of a large fleet keeps its young generation busy, so V8 grows it to that bound and keeps
 * it: measured by `npm run bench` (p5, 5,000 tokens), a third of the sweep's peak resident set. The rotators'
 * heap in use stays near 40 MB, so a smaller young generation costs a few more scavenges and nothing else
 * (p5's sweep takes as long), and leaves the function half its memory as headroom.
 *
 * Node options on the command line win over NODE_OPTIONS, and the bootstrap puts its own on the command line,
 * so the way to set this flag is Lambda's exec wrapper (AWS_LAMBDA_EXEC_WRAPPER): Lambda runs the script with
 * the command it would have run (`node <flags> <runtime script>`), and the script runs that command with this
 * flag instead of the bootstrap's. The script is part of the function's asset: the CDK CLI zips each file with
 * its mode (`zipDirectory` in aws-cdk 2.1148, `mode: stat.mode`), so it arrives executable.
 */

/** The young generation's semi-space bound (MiB) of every function. */
export const FUNCTION_SEMI_SPACE_MB = 4;

/** The wrapper's file name in the function's asset. */
export const HEAP_WRAPPER_FILE = 'heap-wrapper.sh';

/** Where Lambda finds the wrapper: the function's code is unpacked into LAMBDA_TASK_ROOT, /var/task. */
export const HEAP_WRAPPER_PATH = `/var/task/${HEAP_WRAPPER_FILE}`;

/**
 * The wrapper: POSIX sh (Lambda's images have no guarantee of bash). It drops every `--max-semi-space-size=`
 * the command carries and passes this one right after Node's path, before any script, so a bootstrap that
 * moves or drops its own flag still gets it.
 */
export function heapWrapperScript(semiSpaceMb = FUNCTION_SEMI_SPACE_MB): string {
  return [
    '#!/bin/sh',
    '# Runs the function with a smaller young generation than Lambda gives it; infra/heap-wrapper.ts says why.',
    'set -e',
    'node="$1"',
    'shift',
    'for arg do',
    '  shift',
    '  case "$arg" in',
    '    --max-semi-space-size=*) ;;',
    '    *) set -- "$@" "$arg" ;;',
    '  esac',
    'done',
    `exec "$node" --max-semi-space-size=${semiSpaceMb} "$@"`,
    '',
  ].join('\n');
}
