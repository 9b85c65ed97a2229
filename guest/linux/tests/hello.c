#include <stdio.h>
#include <unistd.h>
int main(void) {
  printf("hello from pid>0: %d\n", getpid() > 0);
  return 7;
}
