#include "ssdbuild/cli/app.hpp"

int main(int argc, char** argv) {
  return ssdbuild::run_cli(argc, argv);
}
