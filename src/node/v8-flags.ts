/**
 * V8 flags every process of the pipeline starts with: the nodes (local runner, and the image's
 * ENTRYPOINT for containers; a test checks the Dockerfile says the same) and the clients this
 * project spawns (`npm start`, `bench`).
 *
 * `--initial-old-space-size=64`: a node's live heap is ~10-15 MB, and V8 set its old-generation
 * limit at about twice that, so the few objects each batch leaves behind (message and frame
 * wrappers of 1-4 MB bodies) reached it every few hundred milliseconds: 4-7 full mark-compacts
 * per gateway, filter and client in one scale-0.33 run, a fifth to a third of those nodes' CPU
 * in `perf` (issue 11). With 64 MB none happened during a run (four runs in a row on one
 * cluster); the idle memory reducer still compacts between runs. 32 MB was not enough. Peak
 * RSS stays well under the 300 MB a node may use (README, "Performance").
 */
export const PIPELINE_V8_FLAGS: readonly string[] = ['--initial-old-space-size=64'];
