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
            var x = new ReadOnlySpan<float>(activations, inOffset, nIn);
            var w = new ReadOnlySpan<float>(Parameters, _weightOffset[l], nIn * nOut);
            var b = new ReadOnlySpan<float>(Parameters, _biasOffset[l], nOut);
            var y = new Span<float>(activations, outOffset, nOut);
            if (nOut == 1) y[0] = b[0] + Dot(w, x);
            else if (Vector256.IsHardwareAccelerated && nOut % Vector256<float>.Count == 0) Dense256(x, w, b, y);
            else
            {
                b.CopyTo(y);
                for (int i = 0; i < nIn; i++)
                {
                    float xi = x[i];
                    if (xi != 0) Axpy(xi, w.Slice(i * nOut, nOut), y);
                }
            }
            if (l < _sizes.Length - 2) System.Numerics.Tensors.TensorPrimitives.Tanh(y, y);
            inOffset = outOffset;
        }
        return new ReadOnlySpan<float>(activations, inOffset, _sizes[^1]);
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
            for (int i = 0; i < nIn; i++)
                if (x[i] != 0) Axpy(x[i], delta, gw.Slice(i * nOut, nOut));
            if (l == 0) break;
            var previous = back[..nIn];
            for (int i = 0; i < nIn; i++) previous[i] = Dot(w.Slice(i * nOut, nOut), delta);
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

    /// <summary>y = b + Σ_i x_i · W[i, :], eight outputs at a time, accumulators kept in registers.</summary>
    private static void Dense256(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b, Span<float> y)
    {
        int nIn = x.Length, nOut = y.Length;
        ref float wRef = ref MemoryMarshal.GetReference(w);
        ref float bRef = ref MemoryMarshal.GetReference(b);
        ref float yRef = ref MemoryMarshal.GetReference(y);
        ref float xRef = ref MemoryMarshal.GetReference(x);
        for (int o = 0; o < nOut; o += Vector256<float>.Count)
        {
            var acc = Vector256.LoadUnsafe(ref bRef, (nuint)o);
            for (int i = 0; i < nIn; i++)
                acc += Vector256.Create(Unsafe.Add(ref xRef, i)) * Vector256.LoadUnsafe(ref wRef, (nuint)(i * nOut + o));
            acc.StoreUnsafe(ref yRef, (nuint)o);
        }
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
