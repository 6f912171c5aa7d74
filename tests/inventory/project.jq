# What tests/e2e/inventory_estate.sh compares of `sluice inventory --format json`: every job's
# lineage, class and score; the edges; the hazards; external sources, dead ends, disabled
# lines and diagnostics. (Details and reasons are checked by the script itself.)
{
  jobs: [.jobs[] | {id, origin, schedule, user, scripts, reads, writes, files_in, files_out,
                    opaque: [.opaque[] | sub(" \\(.*"; "")], class, score}],
  edges: [.edges[] | "\(.from) -> \(.to): \(.tables | join(", "))"],
  hazards: [.hazards[] | "\(.kind): \(.jobs | join(", ")) on \(.tables | join(", "))"],
  external: [.tables[] | select(.external) | .name],
  dead_ends: [.tables[] | select(.dead_end) | .name],
  disabled: [.disabled[] | .origin],
  diagnostics
}
