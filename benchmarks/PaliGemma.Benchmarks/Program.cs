using BenchmarkDotNet.Running;

// Run all: dotnet run -c Release --project benchmarks/PaliGemma.Benchmarks -- --filter '*'
// Models: PALIGEMMA_BENCH_MODEL=<model folder> uses that folder (e.g. artifacts/bench-models/mid-int4);
// otherwise a tiny PaliGemma 1 model (224 px) is generated into a temporary folder.
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
