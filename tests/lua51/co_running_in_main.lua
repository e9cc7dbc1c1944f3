print(coroutine.running() == nil)
