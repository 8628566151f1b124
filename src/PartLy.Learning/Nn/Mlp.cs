using System.Numerics;
using System.Runtime.CompilerServices;
using Matrix = MathNet.Numerics.LinearAlgebra.Matrix<double>;
using Vector = System.Numerics.Vector;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace PartLy.Learning.Nn;

/// <summary>
/// A small multilayer perceptron on float32: tanh hidden layers, a linear output. All parameters live in one flat
/// array (per layer the weights input-major, W[i·out + o], then the biases) so that the optimiser, clipping and
/// checkpoints see one vector; input-major weights make both passes SIMD over the outputs.
/// Forward and backward work one row at a time; gradients accumulate into a caller's array of the same length.
/// </summary>
public sealed class Mlp
{
    private readonly int[] _sizes;
    private readonly int[] _weightOffset;
    private readonly int[] _biasOffset;

    public Mlp(params int[] sizes)
    {
        if (sizes.Length < 2) throw new ArgumentException("an input and an output size at least", nameof(sizes));
        _sizes = sizes;
        _weightOffset = new int[sizes.Length - 1];
        _biasOffset = new int[sizes.Length - 1];
        int offset = 0;
        for (int l = 0; l < sizes.Length - 1; l++)
        {
            _weightOffset[l] = offset;
            offset += sizes[l] * sizes[l + 1];
            _biasOffset[l] = offset;
            offset += sizes[l + 1];
        }
        Parameters = new float[offset];
    }

    public IReadOnlyList<int> Sizes => _sizes;
    public float[] Parameters { get; }
    public int Inputs => _sizes[0];
    public int Outputs => _sizes[^1];

    /// <summary>Room for the activations of one forward pass, needed by <see cref="Backward"/>.</summary>
    public float[] NewActivations()
    {
        int total = 0;
        foreach (int s in _sizes) total += s;
        return new float[total];
    }

    /// <summary>Orthogonal initialisation (gain √2 on hidden layers, <paramref name="outputGain"/> on the last), zero biases.</summary>
    public void InitialiseOrthogonal(int seed, double outputGain)
    {
        var random = new Random(seed);
        for (int l = 0; l < _sizes.Length - 1; l++)
        {
            int rows = _sizes[l + 1], cols = _sizes[l];
            double gain = l == _sizes.Length - 2 ? outputGain : Math.Sqrt(2);
            var gaussian = Matrix.Build.Dense(Math.Max(rows, cols), Math.Min(rows, cols),
                (_, _) => MathNet.Numerics.Distributions.Normal.Sample(random, 0, 1));
            var q = gaussian.QR().Q.SubMatrix(0, Math.Max(rows, cols), 0, Math.Min(rows, cols));
            var w = rows >= cols ? q : q.Transpose();
            for (int r = 0; r < rows; r++)
                for (int c = 0; c < cols; c++)
                    Parameters[_weightOffset[l] + c * rows + r] = (float)(gain * w[r, c]);
            Array.Clear(Parameters, _biasOffset[l], rows);
        }
    }

    /// <summary>Runs one row; the output is the last <see cref="Outputs"/> values of <paramref name="activations"/>.</summary>
    public ReadOnlySpan<float> Forward(ReadOnlySpan<float> input, float[] activations)
    {
        input[.._sizes[0]].CopyTo(activations);
        int inOffset = 0;
        for (int l = 0; l < _sizes.Length - 1; l++)
        {
            int nIn = _sizes[l], nOut = _sizes[l + 1], outOffset = inOffset + nIn;
            Layer(l, new ReadOnlySpan<float>(activations, inOffset, nIn), 1, new Span<float>(activations, outOffset, nOut));
            inOffset = outOffset;
        }
        return new ReadOnlySpan<float>(activations, inOffset, _sizes[^1]);
    }

    /// <summary>Scratch space for <see cref="Score"/> of up to <paramref name="rows"/> rows.</summary>
    public float[] NewScoreScratch(int rows) => new float[2 * rows * MaxWidth()];

    /// <summary>
    /// The single output of a one-output network for each of <paramref name="rows"/> rows laid end to end; the same
    /// values as <see cref="Forward"/> row by row, computed four rows at a time so that their chains of dependent
    /// multiply-adds overlap.
    /// </summary>
    public void Score(ReadOnlySpan<float> inputs, int rows, Span<float> outputs, float[] scratch)
    {
        if (_sizes[^1] != 1) throw new InvalidOperationException("Score needs a network with one output");
        int width = rows * MaxWidth();
        var x = inputs[..(rows * _sizes[0])];
        for (int l = 0; l < _sizes.Length - 1; l++)
        {
            var y = scratch.AsSpan(l % 2 * width, rows * _sizes[l + 1]);
            Layer(l, x, rows, y);
            x = y;
        }
        x[..rows].CopyTo(outputs);
    }

    /// <summary>Layer <paramref name="l"/> for <paramref name="rows"/> rows: y = b + x·W, then tanh unless it is the output layer.</summary>
    private void Layer(int l, ReadOnlySpan<float> x, int rows, Span<float> y)
    {
        int nIn = _sizes[l], nOut = _sizes[l + 1];
        var w = new ReadOnlySpan<float>(Parameters, _weightOffset[l], nIn * nOut);
        var b = new ReadOnlySpan<float>(Parameters, _biasOffset[l], nOut);
        bool hidden = l < _sizes.Length - 2;
        if (nOut == 1)
        {
            for (int r = 0; r < rows; r++) y[r] = b[0] + Dot(w, x.Slice(r * nIn, nIn));
        }
        else if (Vector256.IsHardwareAccelerated && nOut % Vector256<float>.Count == 0) Dense256(x, rows, nIn, w, b, y, nOut, hidden);
        else
        {
            for (int r = 0; r < rows; r++)
            {
                var xr = x.Slice(r * nIn, nIn);
                var yr = y.Slice(r * nOut, nOut);
                b.CopyTo(yr);
                for (int i = 0; i < nIn; i++)
                {
                    float xi = xr[i];
                    if (xi != 0) Axpy(xi, w.Slice(i * nOut, nOut), yr);
                }
                if (hidden) for (int o = 0; o < nOut; o++) yr[o] = Tanh(yr[o]);
            }
        }
    }

    /// <summary>
    /// Adds the gradient of (outputGradient · output) with respect to the parameters into <paramref name="gradient"/>,
    /// for the row whose forward pass left <paramref name="activations"/>.
    /// </summary>
    public void Backward(ReadOnlySpan<float> outputGradient, float[] activations, Span<float> gradient, float[] scratch)
    {
        int width = MaxWidth();
        var front = scratch.AsSpan(0, width);
        var back = scratch.AsSpan(width, width);
        var delta = front[.._sizes[^1]];
        outputGradient.CopyTo(delta);
        int outOffset = activations.Length - _sizes[^1];
        for (int l = _sizes.Length - 2; l >= 0; l--)
        {
            int nIn = _sizes[l], nOut = _sizes[l + 1], inOffset = outOffset - nIn;
            var x = new ReadOnlySpan<float>(activations, inOffset, nIn);
            var w = new ReadOnlySpan<float>(Parameters, _weightOffset[l], nIn * nOut);
            var gw = gradient.Slice(_weightOffset[l], nIn * nOut);
            var gb = gradient.Slice(_biasOffset[l], nOut);
            for (int o = 0; o < nOut; o++) gb[o] += delta[o];
            var previous = back[..nIn];
            if (nOut == 1)
            {
                // The output layer of a scorer: one weight per input, no vectors to speak of.
                float d = delta[0];
                for (int i = 0; i < nIn; i++)
                {
                    if (x[i] != 0) gw[i] += x[i] * d;
                    previous[i] = w[i] * d;
                }
            }
            else
            {
                for (int i = 0; i < nIn; i++)
                    if (x[i] != 0) Axpy(x[i], delta, gw.Slice(i * nOut, nOut));
                if (l > 0)
                    for (int i = 0; i < nIn; i++) previous[i] = Dot(w.Slice(i * nOut, nOut), delta);
            }
            if (l == 0) break;
            for (int i = 0; i < nIn; i++) previous[i] *= 1 - x[i] * x[i];
            var swap = front;
            front = back;
            back = swap;
            delta = previous;
            outOffset = inOffset;
        }
    }

    /// <summary>Scratch space that <see cref="Backward"/> needs.</summary>
    public float[] NewScratch() => new float[2 * MaxWidth()];

    private int MaxWidth()
    {
        int max = 0;
        foreach (int s in _sizes) max = Math.Max(max, s);
        return max;
    }

    /// <summary>
    /// y = b + Σ_i x_i · W[i, :] (then tanh on hidden layers) per row, eight outputs at a time with the accumulators in
    /// registers, four rows at a time. Every output adds its terms in the same order whatever the number of rows.
    /// </summary>
    private static void Dense256(ReadOnlySpan<float> x, int rows, int nIn, ReadOnlySpan<float> w, ReadOnlySpan<float> b, Span<float> y, int nOut, bool tanh)
    {
        if (x.Length < rows * nIn || y.Length < rows * nOut || w.Length < nIn * nOut || b.Length < nOut)
            throw new ArgumentException("the spans are shorter than the layer");
        ref float wRef = ref MemoryMarshal.GetReference(w);
        ref float bRef = ref MemoryMarshal.GetReference(b);
        ref float yRef = ref MemoryMarshal.GetReference(y);
        ref float xRef = ref MemoryMarshal.GetReference(x);
        for (int r = 0; r < rows; r += 4)
        {
            if (r == rows - 1)
            {
                // A single row (a forward pass for the backward pass, or the last of a group): one chain.
                ref float xr = ref Unsafe.Add(ref xRef, r * nIn);
                for (int o = 0; o < nOut; o += Vector256<float>.Count)
                {
                    var a = Vector256.LoadUnsafe(ref bRef, (nuint)o);
                    for (int i = 0; i < nIn; i++)
                        a += Vector256.Create(Unsafe.Add(ref xr, i)) * Vector256.LoadUnsafe(ref wRef, (nuint)(i * nOut + o));
                    (tanh ? Tanh(a) : a).StoreUnsafe(ref yRef, (nuint)(r * nOut + o));
                }
                break;
            }
            // A group of two or three rows repeats its last row in the spare lanes and stores only its own rows.
            int last = rows - 1;
            ref float x0 = ref Unsafe.Add(ref xRef, r * nIn);
            ref float x1 = ref Unsafe.Add(ref xRef, Math.Min(r + 1, last) * nIn);
            ref float x2 = ref Unsafe.Add(ref xRef, Math.Min(r + 2, last) * nIn);
            ref float x3 = ref Unsafe.Add(ref xRef, Math.Min(r + 3, last) * nIn);
            for (int o = 0; o < nOut; o += Vector256<float>.Count)
            {
                var a0 = Vector256.LoadUnsafe(ref bRef, (nuint)o);
                var a1 = a0;
                var a2 = a0;
                var a3 = a0;
                for (int i = 0; i < nIn; i++)
                {
                    var wi = Vector256.LoadUnsafe(ref wRef, (nuint)(i * nOut + o));
                    a0 += Vector256.Create(Unsafe.Add(ref x0, i)) * wi;
                    a1 += Vector256.Create(Unsafe.Add(ref x1, i)) * wi;
                    a2 += Vector256.Create(Unsafe.Add(ref x2, i)) * wi;
                    a3 += Vector256.Create(Unsafe.Add(ref x3, i)) * wi;
                }
                (tanh ? Tanh(a0) : a0).StoreUnsafe(ref yRef, (nuint)(r * nOut + o));
                if (r + 1 < rows) (tanh ? Tanh(a1) : a1).StoreUnsafe(ref yRef, (nuint)((r + 1) * nOut + o));
                if (r + 2 < rows) (tanh ? Tanh(a2) : a2).StoreUnsafe(ref yRef, (nuint)((r + 2) * nOut + o));
                if (r + 3 < rows) (tanh ? Tanh(a3) : a3).StoreUnsafe(ref yRef, (nuint)((r + 3) * nOut + o));
            }
        }
    }

    // tanh as the rational approximation of Eigen's ptanh_float (|error| < 3e-7 against tanh): a dozen fused
    // multiply-adds and one division, several times cheaper than an exp-based tanh. The scalar and vector forms give
    // the same value for the same input, so a row's activations do not depend on which path computed them.
    private const float TanhClamp = 7.90531110763549805f;
    private const float A1 = 4.89352455891786e-03f, A3 = 6.37261928875436e-04f, A5 = 1.48572235717979e-05f,
        A7 = 5.12229709037114e-08f, A9 = -8.60467152213735e-11f, A11 = 2.00018790482477e-13f, A13 = -2.76076847742355e-16f;
    private const float B0 = 4.89352518554385e-03f, B2 = 2.26843463243900e-03f, B4 = 1.18534705686654e-04f, B6 = 1.19825839466702e-06f;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector256<float> Tanh(Vector256<float> x)
    {
        x = Vector256.Min(Vector256.Max(x, Vector256.Create(-TanhClamp)), Vector256.Create(TanhClamp));
        var x2 = x * x;
        var p = Vector256.FusedMultiplyAdd(x2, Vector256.Create(A13), Vector256.Create(A11));
        p = Vector256.FusedMultiplyAdd(p, x2, Vector256.Create(A9));
        p = Vector256.FusedMultiplyAdd(p, x2, Vector256.Create(A7));
        p = Vector256.FusedMultiplyAdd(p, x2, Vector256.Create(A5));
        p = Vector256.FusedMultiplyAdd(p, x2, Vector256.Create(A3));
        p = Vector256.FusedMultiplyAdd(p, x2, Vector256.Create(A1));
        var q = Vector256.FusedMultiplyAdd(x2, Vector256.Create(B6), Vector256.Create(B4));
        q = Vector256.FusedMultiplyAdd(q, x2, Vector256.Create(B2));
        q = Vector256.FusedMultiplyAdd(q, x2, Vector256.Create(B0));
        return p * x / q;
    }

    internal static float Tanh(float x)
    {
        x = Math.Clamp(x, -TanhClamp, TanhClamp);
        float x2 = x * x;
        float p = MathF.FusedMultiplyAdd(x2, A13, A11);
        p = MathF.FusedMultiplyAdd(p, x2, A9);
        p = MathF.FusedMultiplyAdd(p, x2, A7);
        p = MathF.FusedMultiplyAdd(p, x2, A5);
        p = MathF.FusedMultiplyAdd(p, x2, A3);
        p = MathF.FusedMultiplyAdd(p, x2, A1);
        float q = MathF.FusedMultiplyAdd(x2, B6, B4);
        q = MathF.FusedMultiplyAdd(q, x2, B2);
        q = MathF.FusedMultiplyAdd(q, x2, B0);
        return p * x / q;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        int i = 0;
        float sum = 0;
        if (Vector.IsHardwareAccelerated && a.Length >= System.Numerics.Vector<float>.Count)
        {
            var acc = System.Numerics.Vector<float>.Zero;
            for (; i <= a.Length - System.Numerics.Vector<float>.Count; i += System.Numerics.Vector<float>.Count)
                acc += new System.Numerics.Vector<float>(a[i..]) * new System.Numerics.Vector<float>(b[i..]);
            sum = Vector.Sum(acc);
        }
        for (; i < a.Length; i++) sum += a[i] * b[i];
        return sum;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Axpy(float alpha, ReadOnlySpan<float> x, Span<float> y)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated && x.Length >= System.Numerics.Vector<float>.Count)
        {
            var a = new System.Numerics.Vector<float>(alpha);
            for (; i <= x.Length - System.Numerics.Vector<float>.Count; i += System.Numerics.Vector<float>.Count)
                (new System.Numerics.Vector<float>(y[i..]) + a * new System.Numerics.Vector<float>(x[i..])).CopyTo(y[i..]);
        }
        for (; i < x.Length; i++) y[i] += alpha * x[i];
    }
}
