// PLACEHOLDER CLI
int main() { return 0; }
