export async function run(_argv: string[]): Promise<number> {
  process.stderr.write('bench: being written\n');
  return 1;
}
