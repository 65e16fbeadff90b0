package io.flashbutterfly.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flashbutterfly.backend.cuda.NativeKernels;
import io.flashbutterfly.runtime.Cuda;
import io.flashbutterfly.runtime.Stream;
import io.flashbutterfly.tensor.DType;
import io.flashbutterfly.tensor.Device;
import io.flashbutterfly.tensor.Shape;
import io.flashbutterfly.tensor.Tensor;
import io.flashbutterfly.testing.GpuTest;
import io.flashbutterfly.testing.Seeds;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** Threads with their own streams, and many calls, on the GPU. */
@GpuTest
class ReliabilityGpuTest {
    private static final Device GPU = Device.cuda(0);

    @Test
    void eightThreadsWithTheirOwnStreamsGiveBitIdenticalResults() throws Exception {
        try (Arena arena = Arena.ofShared(); ExecutorService pool = Executors.newFixedThreadPool(8)) {
            LongConv conv = LongConv.causal();
            for (int length : new int[] {1000, 40000}) { // the on-chip kernel, then cuFFT (N = 80000)
                Tensor u = Tensor.randn(arena, GPU, DType.BF16, Shape.of(4, 16, length), Seeds.fresh("threads u" + length));
                Tensor k = Tensor.randn(arena, GPU, DType.FP32, Shape.of(16, length), Seeds.fresh("threads k" + length));
                KernelSpectrum spectrum = conv.spectrum(k, length);
                float[] alone = conv.forward(u, spectrum, null).toFloatArray();
                List<Future<float[]>> runs = new ArrayList<>();
                for (int t = 0; t < 8; t++) {
                    runs.add(pool.submit(() -> {
                        float[] last = null;
                        try (Stream stream = Stream.create(0); Arena mine = Arena.ofConfined()) {
                            Tensor y = Tensor.empty(mine, GPU, DType.BF16, u.shape());
                            for (int i = 0; i < 10; i++) {
                                NativeKernels.fill(y, Float.NaN, stream);
                                conv.forward(u, spectrum, null, y, stream);
                                stream.synchronize();
                                last = y.toFloatArray();
                            }
                        }
                        return last;
                    }));
                }
                for (Future<float[]> run : runs) assertArrayEquals(alone, run.get(), "L=" + length);
            }
        }
    }

    @Test
    void aHundredThousandCallsLeaveNoMemoryBehind() throws Exception {
        LongConv conv = LongConv.causal();
        // Shapes whose candidates include the on-chip kernel (two rows per block, one row, N = 32768),
        // one with cuFFT only (unfused, N = 80000), then an on-chip shape again.
        int[][] shapes = {{2, 3, 300}, {1, 8, 4096}, {2, 4, 16384}, {3, 2, 40000}, {2, 4, 77}};
        try (Arena inputs = Arena.ofConfined()) {
            Tensor[] us = new Tensor[shapes.length];
            Tensor[] ks = new Tensor[shapes.length];
            Tensor[] ds = new Tensor[shapes.length];
            for (int s = 0; s < shapes.length; s++) {
                int[] shape = shapes[s];
                us[s] = Tensor.randn(inputs, GPU, DType.BF16, Shape.of(shape[0], shape[1], shape[2]), 3 * s);
                ks[s] = Tensor.randn(inputs, GPU, DType.FP32, Shape.of(shape[1], shape[2]), 3 * s + 1);
                ds[s] = Tensor.randn(inputs, GPU, DType.BF16, Shape.of(shape[1]), 3 * s + 2);
            }
            Runnable[] calls = new Runnable[shapes.length];
            for (int s = 0; s < shapes.length; s++) {
                int i = s;
                calls[s] = () -> {
                    try (KernelSpectrum spectrum = conv.spectrum(ks[i], shapes[i][2])) {
                        for (int repeat = 0; repeat < 100; repeat++) { // a spectrum serves many steps
                            try (Arena step = Arena.ofConfined()) {
                                Tensor y = Tensor.empty(step, GPU, DType.BF16, us[i].shape());
                                conv.forward(us[i], spectrum, ds[i], y, Stream.DEFAULT);
                                Gradients g = new Gradients(Tensor.empty(step, GPU, DType.BF16, us[i].shape()),
                                        Tensor.empty(step, GPU, DType.FP32, ks[i].shape()),
                                        Tensor.empty(step, GPU, DType.BF16, ds[i].shape()));
                                conv.backward(y, us[i], spectrum, ds[i], g, Stream.DEFAULT);
                            }
                        }
                    }
                };
            }
            for (Runnable call : calls) call.run(); // plans, pools and first-call timings out of the way
            Stream.DEFAULT.synchronize();
            long liveBefore = Tensor.liveBytes(GPU);
            long freeBefore = Cuda.memoryInfo(0).freeBytes();
            long heapBefore = usedHeap();
            for (int round = 0; round < 1000; round++) calls[round % calls.length].run(); // 100,000 forward+backward
            Stream.DEFAULT.synchronize();
            assertEquals(liveBefore, Tensor.liveBytes(GPU), "tensor bytes left behind");
            long freeAfter = Cuda.memoryInfo(0).freeBytes();
            // The stream-ordered pool and cuFFT keep what the largest shape needed; nothing grows per call.
            assertTrue(freeAfter > freeBefore - (256L << 20), "free device memory fell from " + freeBefore + " to "
                    + freeAfter);
            long heapAfter = usedHeap();
            assertTrue(heapAfter < heapBefore + (16L << 20), "heap grew from " + heapBefore + " to " + heapAfter);
        }
    }

    private static long usedHeap() throws InterruptedException {
        Runtime runtime = Runtime.getRuntime();
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(50);
        }
        return runtime.totalMemory() - runtime.freeMemory();
    }
}
