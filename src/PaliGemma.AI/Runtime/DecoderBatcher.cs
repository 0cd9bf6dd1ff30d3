using System.Runtime.ExceptionServices;
using PaliGemma.AI.Constraints;
using PaliGemma.ModelFormat;

namespace PaliGemma.AI.Runtime;

/// <summary>
/// Batched generation: greedy requests that reach <see cref="PaliGemmaModel.Generate"/> within
/// <see cref="PaliGemmaModelOptions.BatchWindow"/> of each other, up to <see cref="PaliGemmaModelOptions.MaxBatchSize"/>,
/// run in one ONNX Runtime GenAI generator (<c>batch_size</c> N, right-padded prompts, all feature rows in batch order):
/// one prefill and then one decode step for all rows at a time, so each step reads the weights once for the batch.
/// </summary>
/// <remarks>
/// <para>A row leaves the batch when it produces a stop token, reaches its own <c>MaxNewTokens</c>, is cancelled or its
/// enumeration is disposed; the other rows go on (the generator keeps computing a token for a finished row, which is
/// ignored). The generator is freed when no row is left or its length limit is reached.</para>
/// <para>Each batch runs on its own thread; a request that arrives after a batch started opens the next batch, which runs
/// beside it (as separate generators always did), so no request waits for another batch to finish.</para>
/// <para>Only greedy requests are batched (sampling requests run alone): greedy search picks each row's arg-max
/// independently, so a row's tokens depend only on its own logits; ONNX Runtime GenAI's sampling draws all rows from one
/// generator-wide random stream, so a seeded request would not reproduce its tokens run alone.</para>
/// </remarks>
internal sealed class DecoderBatcher
{
    private readonly DecoderEngine _engine;
    private readonly UsageGuard _guard;
    private readonly int _maxBatchSize;
    private readonly TimeSpan _window;
    private readonly int _maxSequenceLength;
    private readonly int _pad;
    private readonly int _vocab;
    private readonly object _lock = new();
    private Collection? _open;
    private Task? _hold;
    private long _batches;
    private long _batchedRows;
    private int _running; // batch threads started and not yet finished (guarded by _lock)

    /// <summary>Gets the most requests one batch takes.</summary>
    public int MaxBatchSize => _maxBatchSize;

    public DecoderBatcher(DecoderEngine engine, UsageGuard guard, PaliGemmaManifest manifest, int maxBatchSize, TimeSpan window)
    {
        _engine = engine;
        _guard = guard;
        _maxBatchSize = maxBatchSize;
        _window = window;
        _maxSequenceLength = manifest.MaxSequenceLength;
        _pad = manifest.TokenIds.Pad;
        _vocab = manifest.VocabSize;
    }

    /// <summary>Gets how many generators the batcher has started (diagnostics and tests).</summary>
    public long Batches => Interlocked.Read(ref _batches);

    /// <summary>Gets how many requests ran in batches of two or more.</summary>
    public long BatchedRequests => Interlocked.Read(ref _batchedRows);

    /// <summary>
    /// Test hook: while set and not completed, a collection whose window has passed keeps waiting until it is full (or the
    /// task completes), so a test can form one batch of a known size however slowly its requests arrive.
    /// </summary>
    public Task? Hold
    {
        get => Volatile.Read(ref _hold);
        set => Volatile.Write(ref _hold, value);
    }

    /// <summary>True when <paramref name="request"/> may share a generator: greedy, and its prompt does not end in the pad id
    /// (ONNX Runtime GenAI finds a row's length by trimming trailing pads).</summary>
    public bool CanBatch(GenerationRequest request) => !request.Settings.IsSampling && request.Settings.Adapter is null && request.PromptIds[^1] != _pad;

    /// <summary>Queues <paramref name="request"/> for the next batch and returns its tokens as they are produced.</summary>
    public IEnumerable<GeneratedToken> Generate(GenerationRequest request, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var row = new Row(request);
        Submit(row);
        return Read(row, cancellationToken);
    }

    private static IEnumerable<GeneratedToken> Read(Row row, CancellationToken cancellationToken)
    {
        using var registration = cancellationToken.Register(static state => ((Row)state!).Leave(), row);
        try
        {
            while (row.TryTake(cancellationToken, out GeneratedToken token))
            {
                yield return token;
            }
        }
        finally
        {
            // A caller that stops enumerating (a stop sequence matched, an exception) leaves the batch at the next step.
            row.Leave();
        }
    }

    private void Submit(Row row)
    {
        Collection? launch = null;
        lock (_lock)
        {
            if (_open is { } open && !open.Fits(row, _maxSequenceLength))
            {
                // The prompt lengths and token limits together would exceed the context: start the open batch now.
                launch = open;
                _open = null;
            }

            if (_open is null)
            {
                _open = new Collection();
                _open.Rows.Add(row);
                Collection created = _open;
                _running++;
                _ = Task.Factory.StartNew(() => CollectAndRun(created), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
            }
            else
            {
                _open.Rows.Add(row);
                if (_open.Rows.Count >= _maxBatchSize)
                {
                    _open.Full.TrySetResult();
                    _open = null;
                }
            }
        }

        launch?.Full.TrySetResult();
    }

    /// <summary>
    /// Waits until no batch thread is running, at most <paramref name="timeout"/>; true when none is. The last batch to leave
    /// the model's <see cref="UsageGuard"/> after disposal releases the native objects on its own thread, so
    /// <see cref="PaliGemmaModel.Dispose"/> waits here: returning earlier let a process exit while that thread was still
    /// inside ONNX Runtime GenAI, which crashed it (SIGSEGV after the output in about 1 `paligemma run` in 10).
    /// </summary>
    public bool WaitUntilIdle(TimeSpan timeout)
    {
        long deadline = Environment.TickCount64 + (long)timeout.TotalMilliseconds;
        lock (_lock)
        {
            while (_running > 0)
            {
                long left = deadline - Environment.TickCount64;
                if (left <= 0 || !Monitor.Wait(_lock, (int)Math.Min(left, int.MaxValue)))
                {
                    return _running == 0;
                }
            }

            return true;
        }
    }

    private void CollectAndRun(Collection collection)
    {
        try
        {
            CollectAndRunCore(collection);
        }
        finally
        {
            lock (_lock)
            {
                _running--;
                Monitor.PulseAll(_lock);
            }
        }
    }

    private void CollectAndRunCore(Collection collection)
    {
        collection.Full.Task.Wait(_window);
        if (Hold is { } hold)
        {
            Task.WaitAny(collection.Full.Task, hold);
        }

        List<Row> rows;
        lock (_lock)
        {
            if (ReferenceEquals(_open, collection))
            {
                _open = null;
            }

            rows = [.. collection.Rows];
        }

        Run(rows);
    }

    private void Run(List<Row> rows)
    {
        rows.RemoveAll(r => r.Finish(null, cancelledOnly: true));
        if (rows.Count == 0)
        {
            return;
        }

        try
        {
            _guard.Enter();
        }
        catch (ObjectDisposedException ex)
        {
            rows.ForEach(r => r.Finish(ex));
            return;
        }

        try
        {
            Interlocked.Increment(ref _batches);
            if (rows.Count > 1)
            {
                Interlocked.Add(ref _batchedRows, rows.Count);
            }

            int longest = rows.Max(r => r.Request.PromptIds.Length);
            int maxLength = Math.Min(_maxSequenceLength, longest + rows.Max(r => r.Request.MaxNewTokens));
            using DecoderEngine.BatchGenerator generator = _engine.StartBatch([.. rows.Select(r => r.Request)], maxLength);
            IReadOnlySet<int> stops = _engine.StopIds;
            // Each constrained row walks its own grammar; the logits are masked row by row, so constrained and
            // unconstrained requests, and requests with different labels, share one generator.
            ConstraintState?[] constraints = [.. rows.Select(r => r.Request.StartConstraint())];
            if (constraints.All(c => c is null))
            {
                constraints = [];
            }

            var active = new bool[rows.Count];
            active.AsSpan().Fill(true);
            int remaining = rows.Count;
            while (remaining > 0)
            {
                for (int i = 0; i < rows.Count; i++)
                {
                    if (active[i] && rows[i].Finish(null, cancelledOnly: true))
                    {
                        active[i] = false;
                        remaining--;
                    }

                    if (!active[i] && constraints.Length > 0)
                    {
                        constraints[i] = null;
                    }
                }

                if (remaining == 0)
                {
                    break;
                }

                if (generator.IsDone)
                {
                    // The length limit (or every row stopped in the runtime's own view): the remaining rows end by length.
                    break;
                }

                ReadOnlySpan<int> next = generator.Step(constraints, _vocab);
                for (int i = 0; i < rows.Count; i++)
                {
                    if (!active[i])
                    {
                        continue;
                    }

                    Row row = rows[i];
                    bool stop = stops.Contains(next[i]);
                    row.Add(new GeneratedToken(next[i], stop));
                    row.Produced++;
                    if (stop || row.Produced >= row.Request.MaxNewTokens)
                    {
                        row.Finish(null);
                        active[i] = false;
                        remaining--;
                    }
                }
            }

            rows.ForEach(r => r.Finish(null));
        }
        catch (Exception ex)
        {
            rows.ForEach(r => r.Finish(ex));
        }
        finally
        {
            _guard.Exit();
        }
    }

    /// <summary>Requests collected for one batch.</summary>
    private sealed class Collection
    {
        /// <summary>The rows in arrival order.</summary>
        public List<Row> Rows { get; } = [];

        /// <summary>Completed when the batch is full or must start at once.</summary>
        public TaskCompletionSource Full { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>True when the batch with <paramref name="row"/> still gives every row its full token limit within the context.</summary>
        public bool Fits(Row row, int maxSequenceLength)
        {
            int longest = Math.Max(row.Request.PromptIds.Length, Rows.Max(r => r.Request.PromptIds.Length));
            int most = Math.Max(row.Request.MaxNewTokens, Rows.Max(r => r.Request.MaxNewTokens));
            return longest + most <= maxSequenceLength;
        }
    }

    /// <summary>
    /// One request in a batch. Its tokens reach the caller through an unbounded queue, so a slow reader never stalls the
    /// batch; the caller blocks on a monitor that the batch thread signals directly (a thread-pool hop per token would
    /// starve when many callers block in <see cref="PaliGemmaModel.Generate"/> at once).
    /// </summary>
    private sealed class Row(GenerationRequest request)
    {
        private readonly Queue<GeneratedToken> _tokens = new();
        private bool _complete;
        private Exception? _error;
        private int _left;

        public GenerationRequest Request { get; } = request;

        public int Produced { get; set; }

        /// <summary>Queues a token for the caller.</summary>
        public void Add(GeneratedToken token)
        {
            lock (_tokens)
            {
                if (!_complete)
                {
                    _tokens.Enqueue(token);
                    Monitor.PulseAll(_tokens);
                }
            }
        }

        /// <summary>Waits for the next token; false when the row is complete and drained; throws the batch's error.</summary>
        public bool TryTake(CancellationToken cancellationToken, out GeneratedToken token)
        {
            lock (_tokens)
            {
                while (true)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    if (_tokens.TryDequeue(out token))
                    {
                        return true;
                    }

                    if (_complete)
                    {
                        if (_error is not null)
                        {
                            ExceptionDispatchInfo.Throw(_error);
                        }

                        return false;
                    }

                    Monitor.Wait(_tokens);
                }
            }
        }

        /// <summary>Marks the row as left by its caller (cancelled or enumeration disposed) and wakes a waiting caller.</summary>
        public void Leave()
        {
            Volatile.Write(ref _left, 1);
            lock (_tokens)
            {
                Monitor.PulseAll(_tokens);
            }
        }

        /// <summary>
        /// Completes the row (with <paramref name="error"/> when given). With <paramref name="cancelledOnly"/>, only a row its
        /// caller left is completed. Returns true when the row is (now) complete.
        /// </summary>
        public bool Finish(Exception? error, bool cancelledOnly = false)
        {
            if (cancelledOnly && Volatile.Read(ref _left) == 0)
            {
                return false;
            }

            lock (_tokens)
            {
                if (!_complete)
                {
                    _complete = true;
                    _error = error;
                    Monitor.PulseAll(_tokens);
                }
            }

            return true;
        }
    }
}
