/* A small real program for the lackey test trace: fill an array with a
   linear congruential sequence, insertion-sort it, and print a checksum. */
#include <stdio.h>

#define N 300

static int values[N];

int main(void) {
  unsigned seed = 12345u;
  for (int i = 0; i < N; i++) {
    seed = seed * 1103515245u + 12345u;
    values[i] = (int)((seed >> 16) & 0x7fff);
  }
  for (int i = 1; i < N; i++) {
    int key = values[i];
    int j = i - 1;
    while (j >= 0 && values[j] > key) {
      values[j + 1] = values[j];
      j--;
    }
    values[j + 1] = key;
  }
  long sum = 0;
  for (int i = 0; i < N; i++) sum += (long)values[i] * (i + 1);
  printf("%ld\n", sum);
  return 0;
}
