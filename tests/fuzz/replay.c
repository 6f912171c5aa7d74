/* replay.c - runs a fuzz target over every file of the given corpus directories, so the
 * corpora are replayed in the normal test run (under ASan+UBSan in the second pass). */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int main(int argc, char **argv) {
  int n = 0;
  for (int i = 1; i < argc; i++) {
    DIR *d = opendir(argv[i]);
    if (!d) {
      fprintf(stderr, "cannot open corpus %s\n", argv[i]);
      return 1;
    }
    struct dirent *de;
    while ((de = readdir(d))) {
      if (de->d_name[0] == '.') continue;
      char path[4096];
      snprintf(path, sizeof path, "%s/%s", argv[i], de->d_name);
      FILE *f = fopen(path, "rb");
      if (!f) continue;
      fseek(f, 0, SEEK_END);
      long sz = ftell(f);
      fseek(f, 0, SEEK_SET);
      uint8_t *buf = malloc((size_t)sz + 1);
      size_t got = fread(buf, 1, (size_t)sz, f);
      fclose(f);
      LLVMFuzzerTestOneInput(buf, got);
      free(buf);
      n++;
    }
    closedir(d);
  }
  printf("replayed %d inputs\n", n);
  return n > 0 ? 0 : 1;
}
